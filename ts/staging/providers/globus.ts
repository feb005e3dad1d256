import { readFile } from 'node:fs/promises';
import { isAbsolute, posix, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { File } from '../../data/file.js';
import type { StagingContext, StagingDirection, StagingStep } from '../../data/staging.js';
import { ConfigurationError } from '../../errors.js';
import { OptionReader } from '../../options.js';
import { localPathOf } from '../atomic.js';
import { StepProvider } from './step-provider.js';

/** Options of {@link GlobusStaging}. */
export interface GlobusStagingOptions {
  /** The Globus endpoint (collection) that sees this side's files. */
  readonly endpointUuid: string;
  /** The directory on that endpoint which `localPath` is here. @default '/' */
  readonly endpointPath?: string;
  /** Where `endpointPath` appears on this machine; the executor's workingDir must be inside it. @default endpointPath */
  readonly localPath?: string | null;
  /**
   * A file holding a Globus Transfer access token: the token alone, or JSON with `access_token`. Read for each
   * transfer; the token is sent only in the Authorization header and never logged or put in an error.
   */
  readonly tokenFile: string;
  /** The Transfer API. @default 'https://transfer.api.globus.org/v0.10' */
  readonly apiBase?: string;
  /** Seconds between task status polls. @default 2 */
  readonly pollInterval?: number;
  /** Seconds before an unfinished transfer fails the task. @default 3600 */
  readonly deadline?: number;
}

/** One Globus transfer step, as a staging task receives it. */
export interface GlobusStepOptions {
  readonly endpointUuid: string;
  readonly endpointPath: string;
  readonly localPath: string;
  readonly tokenFile: string;
  readonly apiBase: string;
  readonly pollMs: number;
  readonly deadlineMs: number;
}

const KEYS = {
  endpointUuid: true,
  endpointPath: true,
  localPath: true,
  tokenFile: true,
  apiBase: true,
  pollInterval: true,
  deadline: true,
} as const;

/**
 * `globus://<endpoint-uuid>/path` Files, in and out, through the Globus Transfer REST API: submit a transfer
 * between the file's endpoint and this side's endpoint, poll the task, and fail with its error events. Runs in
 * the submitting process, where the token is; the app task waits for the stage-in, and an output's DataFuture
 * completes when its transfer has succeeded.
 */
export class GlobusStaging extends StepProvider {
  declare readonly options: GlobusStepOptions;

  constructor(options: GlobusStagingOptions) {
    const o = new OptionReader<GlobusStagingOptions>('GlobusStaging', options, KEYS);
    const endpointUuid = o.string('endpointUuid', '');
    if (endpointUuid === '') o.fail('endpointUuid', 'the UUID of the endpoint that sees this side');
    const tokenFile = o.string('tokenFile', '');
    if (tokenFile === '') o.fail('tokenFile', 'the path of a file holding a Transfer access token');
    const endpointPath = o.string('endpointPath', '/');
    const step: GlobusStepOptions = {
      endpointUuid,
      endpointPath,
      localPath: o.string('localPath', null) ?? endpointPath,
      tokenFile,
      apiBase: o.string('apiBase', 'https://transfer.api.globus.org/v0.10').replace(/\/+$/, ''),
      pollMs: o.seconds('pollInterval', 2),
      deadlineMs: o.seconds('deadline', 3600),
    };
    super(
      {
        name: 'GlobusStaging',
        mode: 'kernel',
        schemes: ['globus'],
        directions: ['in', 'out'],
        module: import.meta.url,
        exportName: 'globusStage',
      },
      step,
    );
  }

  override step(file: File, direction: StagingDirection, ctx: StagingContext): StagingStep | null {
    if (ctx.workingDir === null || !isAbsolute(ctx.workingDir)) {
      throw new ConfigurationError(
        `GlobusStaging needs executor '${ctx.executorLabel}' to have an absolute workingDir inside its localPath (${this.options.localPath}) to stage ${file.url}`,
      );
    }
    return super.step(file, direction, ctx);
  }
}

/** The step: one transfer between the File's endpoint and ours, then poll until it ends. */
export async function globusStage(
  file: File,
  direction: StagingDirection,
  o: GlobusStepOptions,
): Promise<void> {
  const local = localPathOf(file);
  const rel = relative(o.localPath, local);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`the local copy ${local} is not inside GlobusStaging's localPath ${o.localPath}`);
  }
  const here = { endpoint: o.endpointUuid, path: posix.join(o.endpointPath, rel) };
  const there = { endpoint: file.netloc, path: file.path };
  const [src, dst] = direction === 'in' ? [there, here] : [here, there];
  const api = new TransferClient(o.apiBase, await readToken(o.tokenFile));
  const { value: submissionId } = await api.call<{ value: string }>('GET', '/submission_id');
  const submitted = await api.call<{ task_id: string }>('POST', '/transfer', {
    DATA_TYPE: 'transfer',
    submission_id: submissionId,
    source_endpoint: src.endpoint,
    destination_endpoint: dst.endpoint,
    label: `parsl-ts stage ${direction} ${posix.basename(file.path)}`,
    DATA: [{ DATA_TYPE: 'transfer_item', source_path: src.path, destination_path: dst.path }],
  });
  const taskId = submitted.task_id;
  const until = Date.now() + o.deadlineMs;
  for (;;) {
    const task = await api.call<{ status: string; nice_status?: string | null }>('GET', `/task/${taskId}`);
    if (task.status === 'SUCCEEDED') return;
    if (task.status === 'FAILED' || Date.now() > until) {
      const events = await api.call<{
        DATA: { is_error: boolean; code: string; description: string; details?: string }[];
      }>('GET', `/task/${taskId}/event_list`);
      const errors = events.DATA.filter((e) => e.is_error).map(
        (e) => `${e.code}: ${e.description}${e.details ? ` (${e.details})` : ''}`,
      );
      const what = task.status === 'FAILED' ? 'failed' : `did not finish within ${o.deadlineMs / 1000} s`;
      throw new Error(
        `Globus transfer task ${taskId} ${what}${errors.length ? `: ${errors.join('; ')}` : ''}`,
      );
    }
    await delay(o.pollMs);
  }
}

async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new Error(`cannot read the Globus token file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  if (!text.startsWith('{')) return text;
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error(`the Globus token file ${path} has no access_token`);
  return token;
}

/** The few Transfer API calls staging needs; errors carry the HTTP status and Globus's code, never the token. */
class TransferClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 200);
      try {
        const j = JSON.parse(text) as { code?: string; message?: string };
        detail = `${j.code ?? ''}${j.message ? `: ${j.message}` : ''}`;
      } catch {
        // not JSON: keep the start of the body
      }
      throw new Error(`Globus Transfer API ${method} ${path}: HTTP ${res.status} ${detail}`);
    }
    return JSON.parse(text) as T;
  }
}
