import { mkdir, writeFile } from 'node:fs/promises';
import { basename, posix, resolve } from 'node:path';
import { type Channel, type ExecuteResult, isChannel } from '../channels/base.js';
import { LocalChannel } from '../channels/local.js';
import { isLauncher, type Launcher } from '../launchers/base.js';
import { getLogger, type Logger } from '../logging.js';
import type { KeySet, OptionReader } from '../options.js';
import {
  BLOCK_OPTIONS,
  type BlockDefaults,
  type BlockOptions,
  JobState,
  JobStatus,
  ProviderBase,
} from './base.js';
import { ScriptPathError, SubmitException } from './errors.js';
import { readWalltime } from './walltime.js';

/** Options every batch-system provider takes (camelCase of Parsl's names). */
export interface ClusterProviderOptions extends BlockOptions {
  /** Where scheduler commands run. @default new LocalChannel() */
  channel?: Channel;
  /** How the worker command is started inside the job. */
  launcher?: Launcher;
  /** @default 1 */
  nodesPerBlock?: number;
  /** Wall-clock limit of each block: `HH:MM:SS` or a number of seconds. Default per scheduler (Slurm 00:10:00). */
  walltime?: string | number;
  /** Bash run in the job before the workers start (module loads, conda activate…). @default '' */
  workerInit?: string;
  /** Extra directive lines placed in the script header, verbatim. @default '' */
  schedulerOptions?: string;
  coresPerNode?: number;
  /** GB of memory per node. */
  memPerNode?: number;
  /** Copy the script to `channel.scriptDir` before submitting. @default true unless the channel is local */
  moveFiles?: boolean;
  /** Local directory for submit scripts; the executor sets it to `<runDir>/submit_scripts`. @default 'submit_scripts' */
  scriptDir?: string;
}

export const CLUSTER_OPTIONS = {
  ...BLOCK_OPTIONS,
  channel: true,
  launcher: true,
  nodesPerBlock: true,
  walltime: true,
  workerInit: true,
  schedulerOptions: true,
  coresPerNode: true,
  memPerNode: true,
  moveFiles: true,
  scriptDir: true,
} satisfies KeySet<ClusterProviderOptions>;

/** A scheduler's defaults; block limits not given here are 1 initial and 1 maximum block, polled every minute. */
export interface ClusterDefaults extends Partial<BlockDefaults> {
  readonly label: string;
  readonly walltime: string;
  readonly cmdTimeout: number;
  readonly launcher: () => Launcher;
}

/** What a scheduler said about one job. */
export interface StatusReport {
  state: JobState;
  message?: string;
  exitCode?: number;
}

export interface SubmitPaths {
  /** The script as the scheduler will see it (remote when files are moved). */
  scriptPath: string;
  /** Directory of `scriptPath`, also exported to the job as SCRIPT_DIR. */
  scriptDir: string;
  stdoutPath: string;
  stderrPath: string;
}

interface JobRecord {
  jobName: string;
  paths: SubmitPaths;
  status: JobStatus;
  /** When the scheduler's accounting was first found without a record of this finished job. */
  unrecordedSince?: number;
}

/**
 * How long a job that left the scheduler's queue may wait for its accounting record (Grid Engine's qacct,
 * Slurm's sacct) before it is given up as MISSING. Until then its state is not final.
 */
export const ACCOUNTING_GRACE_MS = 120_000;

/**
 * The common half of every batch provider: render the script, write it (and push it through the channel),
 * submit, remember the job, poll in batches (a job missing from the answer is COMPLETED), cancel.
 * A scheduler subclass supplies the script, the three commands and the state table.
 */
export abstract class ClusterProvider extends ProviderBase {
  coresPerNode?: number;
  memPerNode?: number;
  readonly channel: Channel;
  readonly launcher: Launcher;
  /** `HH:MM:SS`, however it was given. */
  readonly walltime: string;
  readonly workerInit: string;
  readonly schedulerOptions: string;
  readonly moveFiles: boolean;
  protected readonly log: Logger;
  protected readonly resources = new Map<string, JobRecord>();
  /** How many ids go into one status command. */
  protected statusBatchSize = 50;
  /** File name suffix of submit scripts. */
  protected scriptSuffix = '.submit';

  /** @param o the reader of the subclass's options: its class name and every key it takes */
  protected constructor(o: OptionReader<ClusterProviderOptions>, d: ClusterDefaults) {
    super(o, { initBlocks: 1, maxBlocks: 1, statusPollingInterval: 60_000, ...d });
    this.channel =
      o.check<Channel | null>('channel', null, (v) =>
        isChannel(v) ? null : 'a Channel, e.g. new SSHChannel({ … })',
      ) ?? new LocalChannel();
    this.launcher =
      o.check<Launcher | null>('launcher', null, (v) =>
        isLauncher(v) ? null : 'a Launcher, e.g. new SrunLauncher()',
      ) ?? d.launcher();
    this.nodesPerBlock = o.int('nodesPerBlock', 1);
    this.walltime = readWalltime(o, d.walltime);
    this.workerInit = o.string('workerInit', '');
    this.schedulerOptions = o.string('schedulerOptions', '');
    const cores = o.number('coresPerNode', null, { integer: true, min: 1 });
    if (cores !== null) this.coresPerNode = cores;
    const mem = o.number('memPerNode', null, { min: 0 });
    if (mem !== null) this.memPerNode = mem;
    this.moveFiles = o.bool('moveFiles', this.channel.isLocal !== true);
    this.scriptDir = o.name('scriptDir', 'submit_scripts');
    this.log = getLogger(`parsl.providers.${d.label}`);
  }

  /** The complete submit script text. */
  protected abstract renderScript(job: {
    jobName: string;
    paths: SubmitPaths;
    tasksPerNode: number;
    userScript: string;
  }): string;

  /** Runs the scheduler's submit command on `paths.scriptPath`; resolves with the job id. */
  protected abstract submitScript(jobName: string, paths: SubmitPaths, tasksPerNode: number): Promise<string>;

  /** Asks the scheduler about these jobs; ids absent from the map are taken as COMPLETED. */
  protected abstract queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>>;

  /** Asks the scheduler to cancel these jobs; one boolean per id. */
  protected abstract cancelJobs(jobIds: string[]): Promise<boolean[]>;

  async submit(command: string, tasksPerNode: number, jobName: string): Promise<string> {
    const fileName = `${jobName}.${(Date.now() / 1000).toFixed(6)}${this.scriptSuffix}`;
    const localDir = resolve(this.scriptDir);
    const remoteDir = this.moveFiles ? (this.channel.scriptDir ?? localDir) : localDir;
    const scriptPath = posix.join(remoteDir, fileName);
    const paths: SubmitPaths = {
      scriptPath,
      scriptDir: remoteDir,
      stdoutPath: `${scriptPath}.stdout`,
      stderrPath: `${scriptPath}.stderr`,
    };
    const userScript = this.launcher.apply(command, tasksPerNode, this.nodesPerBlock);
    const text = this.renderScript({ jobName, paths, tasksPerNode, userScript });
    const localPath = posix.join(localDir, fileName);
    await this.writeScript(localPath, text);
    if (this.moveFiles) paths.scriptPath = await this.channel.push(localPath, remoteDir);
    const jobId = await this.submitScript(jobName, paths, tasksPerNode);
    this.log.info(`submitted ${jobName} as job ${jobId} (${paths.scriptPath})`);
    this.resources.set(jobId, {
      jobName,
      paths,
      status: new JobStatus(JobState.PENDING, null, null, paths.stdoutPath, paths.stderrPath),
    });
    return jobId;
  }

  async status(jobIds: string[]): Promise<JobStatus[]> {
    const live = jobIds.filter((id) => {
      const r = this.resources.get(id);
      return r !== undefined && !r.status.terminal;
    });
    const unique = [...new Set(live)];
    for (let i = 0; i < unique.length; i += this.statusBatchSize) {
      const batch = unique.slice(i, i + this.statusBatchSize);
      let reports: Map<string, StatusReport>;
      try {
        reports = await this.queryStatus(batch);
      } catch (e) {
        // Parsl's rule: a failed poll keeps the last known states; the next poll tries again.
        this.log.warning(`status of ${batch.join(',')} unknown this round: ${(e as Error).message}`);
        continue;
      }
      for (const id of batch) {
        const record = this.resources.get(id) as JobRecord;
        const report = reports.get(id) ?? {
          state: JobState.COMPLETED,
          message: 'no longer known to the scheduler',
        };
        record.status = new JobStatus(
          report.state,
          report.message ?? null,
          report.exitCode ?? null,
          record.paths.stdoutPath,
          record.paths.stderrPath,
        );
      }
    }
    return jobIds.map(
      (id) =>
        this.resources.get(id)?.status ??
        new JobStatus(JobState.UNKNOWN, `job ${id} was not submitted by ${this.label}`),
    );
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    if (jobIds.length === 0) return [];
    const results = await this.cancelJobs(jobIds);
    jobIds.forEach((id, i) => {
      const record = this.resources.get(id);
      if (record && results[i]) {
        record.status = new JobStatus(
          JobState.CANCELLED,
          'cancelled by parsl-ts',
          null,
          record.paths.stdoutPath,
          record.paths.stderrPath,
        );
      }
    });
    return results;
  }

  /** Closes the channel (the provider's only resource). */
  async close(): Promise<void> {
    await this.channel.close();
  }

  protected async executeWait(cmd: string): Promise<ExecuteResult> {
    this.log.debug(`running: ${cmd}`);
    return this.channel.execute(cmd, { timeoutMs: this.cmdTimeoutMs });
  }

  protected submitFailed(jobName: string, cmd: string, r: ExecuteResult, why: string): SubmitException {
    return new SubmitException(
      jobName,
      `${this.label}: \`${cmd}\` ${why} (exit code ${r.exitCode}): ${(r.stderr || r.stdout).trim() || '(no output)'}; ` +
        'check the scheduler options (queue, account, walltime) and that the scheduler is up',
      r.stdout,
      r.stderr,
    );
  }

  /**
   * The report for a job the scheduler's accounting has no record of yet (written with a delay): its last state,
   * since without the record a failed job cannot be told from a completed one, then MISSING after
   * {@link ACCOUNTING_GRACE_MS}. `said` is what the accounting command answered.
   */
  protected unrecorded(jobId: string, said: string): StatusReport {
    const record = this.resources.get(jobId);
    const now = Date.now();
    const since = record?.unrecordedSince ?? now;
    if (record) record.unrecordedSince = since;
    const waited = now - since;
    if (record && waited < ACCOUNTING_GRACE_MS)
      return { state: record.status.state, message: `waiting for its accounting record (${said})` };
    return {
      state: JobState.MISSING,
      message: `no accounting record ${Math.round(waited / 1000)} s after it left the queue (${said}); check that the scheduler's accounting is enabled`,
    };
  }

  /** The last state reported for a job. */
  protected jobState(jobId: string): JobState | undefined {
    return this.resources.get(jobId)?.status.state;
  }

  protected jobPaths(jobId: string): SubmitPaths | undefined {
    return this.resources.get(jobId)?.paths;
  }

  private async writeScript(path: string, text: string): Promise<void> {
    try {
      await mkdir(resolve(path, '..'), { recursive: true });
      await writeFile(path, text, { mode: 0o700 });
    } catch (cause) {
      throw new ScriptPathError(path, (cause as Error).message, { cause });
    }
  }

  override toString(): string {
    return `${this.constructor.name}(${this.label}, ${basename(this.scriptDir)})`;
  }
}

/** Splits command output into trimmed non-empty lines. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
