/**
 * `parsl-ts site-test --dry-run`: each block executor's provider goes through its real `submit` (script rendered
 * by the provider, launcher line included, written to a scratch directory) against a channel that records the
 * scheduler command and stops there, so nothing reaches a scheduler. The interchange's address and port are not
 * known before it starts, so they show as `<interchange addresses>` and `<interchange port>`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel, ExecuteResult } from '../channels/base.js';
import type { Config } from '../config.js';
import { ParslError } from '../errors.js';
import { ExtremeScaleExecutor } from '../executors/exex/executor.js';
import { MPIExecutor } from '../executors/mpi-apps/executor.js';
import type { ExecutionProvider } from '../providers/base.js';
import { ClusterProvider } from '../providers/cluster.js';
import { inAllocationJob } from './in-allocation.js';
import type { Site, SiteOptions } from './site.js';
import { blockProviders, validateConfig } from './validate.js';

export interface DryRunScript {
  /** The executor whose block this is, or `in-allocation` for the job of the site check of that name. */
  readonly executor: string;
  readonly provider: string;
  /** The scheduler command that would submit the script (null for providers without a scheduler). */
  readonly submitCommand: string | null;
  /** The job script and any other file the provider writes (HTCondor's submit description), by name. */
  readonly files: readonly { name: string; text: string }[];
  /** Why there is no script (the in-allocation check where it does not apply). */
  readonly notApplicable?: string;
}

/** Raised by the recording channel at the first scheduler command, so `submit` goes no further. */
class Stopped extends ParslError {
  constructor(readonly command: string) {
    super(`dry run: stopped before running ${command}`);
  }
}

/** A channel on this host that refuses to run anything: the first command is recorded and stops the submit. */
function recordingChannel(): Channel {
  return {
    isLocal: true,
    execute(cmd: string): Promise<ExecuteResult> {
      return Promise.reject(new Stopped(cmd));
    },
    push: async (localPath: string) => localPath,
    pull: async (remotePath: string) => remotePath,
    makedirs: async () => {},
    isdir: async () => true,
    close: async () => {},
  };
}

/** The pool command a block runs, with placeholders for what exists only once the interchange runs. */
function poolCommand(subcommand: string): string {
  return (
    `parsl-ts ${subcommand} --addresses=<interchange addresses> --port=<interchange port> ` +
    '--block-id=0 --logdir=<runDir>/<executor>'
  );
}

function blockCommand(executor: Config['executors'][number]): { command: string; tasksPerNode: number } {
  if (executor instanceof ExtremeScaleExecutor) {
    const pool = poolCommand('mpi-worker-pool');
    const prefix = executor.mpiLauncher?.replaceAll('{ranks}', String(executor.ranksPerBlock));
    return { command: prefix ? `${prefix} ${pool}` : pool, tasksPerNode: executor.ranksPerNode };
  }
  if (executor instanceof MPIExecutor) return { command: poolCommand('mpi-app-pool'), tasksPerNode: 1 };
  return { command: poolCommand('worker-pool'), tasksPerNode: 1 };
}

const STARTS_ON: Readonly<Record<string, string>> = {
  AdHocProvider: 'each host',
  KubernetesProvider: 'each new pod',
  AWSProvider: 'each new instance (user data)',
  GoogleCloudProvider: 'each new instance (startup script)',
};

function bootstrap(p: ExecutionProvider, command: string): string {
  const own = p as { workerInit?: string; podOptions?: { workerInit?: string } };
  const init = own.workerInit ?? own.podOptions?.workerInit ?? '';
  return `#!/bin/bash\n# ${p.constructor.name} runs this on ${STARTS_ON[p.constructor.name] ?? 'each block'}\n${init}\n${command}\n`;
}

async function submitDry(
  provider: ClusterProvider,
  command: string,
  tasksPerNode: number,
  jobName: string,
  dir: string,
): Promise<Pick<DryRunScript, 'submitCommand' | 'files'>> {
  provider.scriptDir = dir;
  let submitCommand: string | null = null;
  try {
    await provider.submit(command, tasksPerNode, jobName);
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
    submitCommand = e.command;
  }
  if (submitCommand === null) throw new Error(`${provider.constructor.name} submitted without a command`);
  const files = readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  return { submitCommand, files };
}

/** The first block of every block executor of `site`'s config; validated first, submitted nowhere. */
export async function dryRunScripts(site: Site, options: SiteOptions): Promise<DryRunScript[]> {
  const scratch = mkdtempSync(join(tmpdir(), `parsl-ts-dry-run-${site.facts.name}-`));
  try {
    const config = site.config(options, { channel: recordingChannel(), runDir: join(scratch, 'runinfo') });
    validateConfig(site.facts, config);
    const out: DryRunScript[] = [];
    for (const [label, provider] of blockProviders(config)) {
      const executor = config.executors.find((e) => e.label === label) as Config['executors'][number];
      const { command, tasksPerNode } = blockCommand(executor);
      const base = { executor: label, provider: provider.constructor.name };
      if (provider instanceof ClusterProvider) {
        const dir = join(scratch, 'submit_scripts', label);
        out.push({
          ...base,
          ...(await submitDry(provider, command, tasksPerNode, `parsl.${label}.block-0`, dir)),
        });
      } else {
        out.push({
          ...base,
          submitCommand: null,
          files: [{ name: 'bootstrap', text: bootstrap(provider, command) }],
        });
      }
    }
    const job = inAllocationJob(site.facts, config);
    const base = { executor: 'in-allocation' };
    if (typeof job === 'string')
      out.push({ ...base, provider: '-', submitCommand: null, files: [], notApplicable: job });
    else {
      const dir = join(scratch, 'submit_scripts', 'in-allocation');
      const provider = job.provider.constructor.name;
      out.push({
        ...base,
        provider,
        ...(await submitDry(job.provider, job.command, job.ranksPerNode, 'parsl-ts-in-allocation', dir)),
      });
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
