import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { File } from '../../data/file.js';
import { OptionReader } from '../../options.js';
import { localPathOf, streamInto, writeAtomically } from '../atomic.js';
import { StepProvider } from './step-provider.js';

/** Options of the HTTP providers. */
export interface HTTPStagingOptions {
  /**
   * Certificate authorities (PEM) that HTTPS downloads trust instead of Node's built-in list, e.g. a test
   * server's self-signed certificate. Verification is never turned off. @default null (Node's list)
   */
  readonly ca?: string | null;
  /** Extra request headers (e.g. Authorization). @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

interface HTTPStepOptions {
  readonly ca: string | null;
  readonly headers: Record<string, string>;
}

function readOptions(owner: string, options: unknown): HTTPStepOptions {
  const o = new OptionReader<HTTPStagingOptions>(owner, options, { ca: true, headers: true });
  return { ca: o.string('ca', null), headers: o.stringRecord('headers', {}) };
}

const SPEC = {
  schemes: ['http', 'https'],
  directions: ['in'],
  module: import.meta.url,
  exportName: 'httpStageIn',
} as const;

/** Downloads `http(s)://` inputs in a task of their own on the app's executor; the app task waits for it. */
export class HTTPSeparateTaskStaging extends StepProvider {
  constructor(options?: HTTPStagingOptions) {
    const name = 'HTTPSeparateTaskStaging';
    super({ ...SPEC, name, mode: 'separate-task' }, readOptions(name, options));
  }
}

/** Downloads `http(s)://` inputs inside the app's task, where it runs: for workers without a shared file system. */
export class HTTPInTaskStaging extends StepProvider {
  constructor(options?: HTTPStagingOptions) {
    const name = 'HTTPInTaskStaging';
    super({ ...SPEC, name, mode: 'in-task' }, readOptions(name, options));
  }
}

const MAX_REDIRECTS = 5;

/** The step: stream the body to a temporary file and rename it into place. */
export async function httpStageIn(file: File, _direction: 'in', options: HTTPStepOptions): Promise<void> {
  await writeAtomically(localPathOf(file), (tmp) => download(file.url, tmp, options, 0));
}

function download(url: string, tmp: string, o: HTTPStepOptions, hops: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : http.get;
    const req = get(u, { headers: o.headers, ...(o.ca !== null ? { ca: o.ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hops >= MAX_REDIRECTS) reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        else download(new URL(res.headers.location, u).href, tmp, o, hops + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      writeBody(res, tmp).then(resolve, reject);
    });
    req.on('error', reject);
  });
}

/** The body into `tmp`; a body that ends early (connection dropped) fails. */
async function writeBody(res: IncomingMessage, tmp: string): Promise<void> {
  await streamInto(tmp, (out) => pipeline(res, out));
  if (!res.complete) throw new Error('the body ended early (aborted)');
}
