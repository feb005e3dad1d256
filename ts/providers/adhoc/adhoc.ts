import { mkdir, writeFile } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { type Channel, isChannel } from '../../channels/base.js';
import { isLauncher, type Launcher } from '../../launchers/base.js';
import { SimpleLauncher } from '../../launchers/simple.js';
import { getLogger } from '../../logging.js';
import { type KeySet, OptionReader } from '../../options.js';
import { shellQuote } from '../../shell.js';
import { type BlockOptions, JobState, JobStatus, ProviderBase } from '../base.js';
import { ScaleOutFailed, ScriptPathError } from '../errors.js';
import { substitute } from '../template.js';

/**
 * Options of {@link AdHocProvider}; its block counts are fixed by `channels`. Defaults: label 'adhoc',
 * statusPollingInterval 10 s, cmdTimeout 10 s.
 */
export interface AdHocProviderOptions
  extends Pick<BlockOptions, 'label' | 'parallelism' | 'statusPollingInterval' | 'cmdTimeout'> {
  /** One block per channel (typically `SSHChannel`s to the machines you may use). */
  channels: Channel[];
  /** @default new SimpleLauncher() */
  launcher?: Launcher;
  /** @default '' */
  workerInit?: string;
  /** Local directory for scripts; set by the executor. @default 'submit_scripts' */
  scriptDir?: string;
}

const ADHOC_OPTIONS = {
  channels: true,
  label: true,
  launcher: true,
  workerInit: true,
  cmdTimeout: true,
  parallelism: true,
  statusPollingInterval: true,
  scriptDir: true,
} satisfies KeySet<AdHocProviderOptions>;

const ADHOC_TEMPLATE = `#!/bin/bash

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;

interface AdHocJob {
  channel: Channel;
  pid: string;
  scriptPath: string;
  status: JobStatus;
}

/**
 * Machines you can ssh to without a batch system: one block per channel (so initBlocks = minBlocks =
 * maxBlocks = number of channels). A block is a detached process group on that machine.
 */
export class AdHocProvider extends ProviderBase {
  readonly channels: Channel[];
  readonly launcher: Launcher;
  readonly workerInit: string;
  readonly #jobs = new Map<string, AdHocJob>();
  readonly #log = getLogger('parsl.providers.adhoc');
  #counter = 0;

  constructor(options: AdHocProviderOptions) {
    const o = new OptionReader<AdHocProviderOptions>('AdHocProvider', options, ADHOC_OPTIONS);
    const want = 'a non-empty array of channels, one per machine (e.g. SSHChannel)';
    const channels = o.check<Channel[]>('channels', [], (v) =>
      Array.isArray(v) && v.length > 0 && v.every(isChannel) ? null : want,
    );
    if (channels.length === 0) o.fail('channels', want);
    const blocks = channels.length;
    super(o, {
      label: 'adhoc',
      initBlocks: blocks,
      maxBlocks: blocks,
      statusPollingInterval: 10_000,
      cmdTimeout: 10,
    });
    this.minBlocks = blocks;
    this.channels = [...channels];
    this.launcher =
      o.check<Launcher | null>('launcher', null, (v) =>
        isLauncher(v) ? null : 'a Launcher, e.g. new SimpleLauncher()',
      ) ?? new SimpleLauncher();
    this.workerInit = o.string('workerInit', '');
    this.scriptDir = o.name('scriptDir', 'submit_scripts');
  }

  async submit(command: string, tasksPerNode: number, jobName: string): Promise<string> {
    const busy = new Set([...this.#jobs.values()].filter((j) => !j.status.terminal).map((j) => j.channel));
    const channel = this.channels.find((c) => !busy.has(c));
    if (!channel) {
      throw new ScaleOutFailed(
        this.label,
        `every one of the ${this.channels.length} channels already runs a block: add channels or lower maxBlocks`,
      );
    }
    const fileName = `${jobName}.${(Date.now() / 1000).toFixed(6)}.sh`;
    const remoteDir = channel.isLocal
      ? resolve(this.scriptDir)
      : (channel.scriptDir ?? '.parsl-ts/submit_scripts');
    const text = substitute(
      ADHOC_TEMPLATE,
      {
        jobname: jobName,
        submit_script_dir: remoteDir,
        worker_init: this.workerInit,
        user_script: this.launcher.apply(command, tasksPerNode, 1),
      },
      this.label,
    );
    const localPath = posix.join(resolve(this.scriptDir), fileName);
    try {
      await mkdir(resolve(this.scriptDir), { recursive: true });
      await writeFile(localPath, text, { mode: 0o700 });
    } catch (cause) {
      throw new ScriptPathError(localPath, (cause as Error).message, { cause });
    }
    const scriptPath = channel.isLocal ? localPath : await channel.push(localPath, remoteDir);
    const q = shellQuote(scriptPath);
    const r = await channel.execute(
      `setsid bash ${q} > ${shellQuote(`${scriptPath}.out`)} 2>&1 < /dev/null & echo "PID:$!"`,
      { timeoutMs: this.cmdTimeoutMs },
    );
    const pid = /PID:(\d+)/.exec(r.stdout)?.[1];
    if (r.exitCode !== 0 || !pid) {
      throw new ScaleOutFailed(this.label, `could not start ${scriptPath}: ${(r.stderr || r.stdout).trim()}`);
    }
    const id = String(this.#counter++);
    this.#jobs.set(id, { channel, pid, scriptPath, status: new JobStatus(JobState.RUNNING) });
    this.#log.info(`block ${id} started as pid ${pid}`);
    return id;
  }

  async status(jobIds: string[]): Promise<JobStatus[]> {
    await Promise.all(
      jobIds.map(async (id) => {
        const job = this.#jobs.get(id);
        if (!job || job.status.terminal) return;
        try {
          const r = await job.channel.execute(`ps --pid ${job.pid} > /dev/null`, {
            timeoutMs: this.cmdTimeoutMs,
          });
          const out = `${job.scriptPath}.out`;
          job.status =
            r.exitCode === 0
              ? new JobStatus(JobState.RUNNING, null, null, out, out)
              : new JobStatus(JobState.FAILED, 'the block’s process is gone', null, out, out);
        } catch (e) {
          this.#log.warning(`status of block ${id} unknown this round: ${(e as Error).message}`);
        }
      }),
    );
    return jobIds.map(
      (id) => this.#jobs.get(id)?.status ?? new JobStatus(JobState.UNKNOWN, `no block ${id}`),
    );
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    return Promise.all(
      jobIds.map(async (id) => {
        const job = this.#jobs.get(id);
        if (!job) return false;
        const r = await job.channel.execute(`kill -TERM -- -${job.pid}`, { timeoutMs: this.cmdTimeoutMs });
        if (r.exitCode === 0) job.status = new JobStatus(JobState.CANCELLED, 'cancelled by parsl-ts');
        return r.exitCode === 0;
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.close()));
  }
}
