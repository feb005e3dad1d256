import { SrunLauncher } from '../../launchers/srun.js';
import { hasControl, type KeySet, OptionReader } from '../../options.js';
import { shellQuote } from '../../shell.js';
import { JobState } from '../base.js';
import {
  CLUSTER_OPTIONS,
  ClusterProvider,
  type ClusterProviderOptions,
  lines,
  type StatusReport,
  type SubmitPaths,
} from '../cluster.js';
import { SchedulerCommandFailed } from '../errors.js';
import { substitute } from '../template.js';
import { walltimeToMinutes } from '../walltime.js';
import { SLURM_TEMPLATE } from './template.js';

export interface SlurmProviderOptions extends ClusterProviderOptions {
  /** `--partition`. */
  partition?: string;
  /** `--account`. */
  account?: string;
  /** `--qos`. */
  qos?: string;
  /** `--constraint`. */
  constraint?: string;
  /** `--clusters` (federations). */
  clusters?: string;
  /** Request whole nodes (`--exclusive`). @default true */
  exclusive?: boolean;
  /** `--gpus-per-node`. */
  gpusPerNode?: number | string;
  /** `--gres`, e.g. `gpu:2`. */
  gres?: string;
}

const SLURM_OPTIONS = {
  ...CLUSTER_OPTIONS,
  partition: true,
  account: true,
  qos: true,
  constraint: true,
  clusters: true,
  exclusive: true,
  gpusPerNode: true,
  gres: true,
} satisfies KeySet<SlurmProviderOptions>;

/** sacct's state names (sacct -X --format=state). */
export const SACCT_STATES: Readonly<Record<string, JobState>> = {
  PENDING: JobState.PENDING,
  REQUEUED: JobState.PENDING,
  RUNNING: JobState.RUNNING,
  COMPLETING: JobState.RUNNING,
  CONFIGURING: JobState.PENDING,
  CANCELLED: JobState.CANCELLED,
  COMPLETED: JobState.COMPLETED,
  FAILED: JobState.FAILED,
  NODE_FAIL: JobState.FAILED,
  BOOT_FAIL: JobState.FAILED,
  REVOKED: JobState.FAILED,
  OUT_OF_MEMORY: JobState.FAILED,
  TIMEOUT: JobState.TIMEOUT,
  DEADLINE: JobState.TIMEOUT,
  PREEMPTED: JobState.TIMEOUT,
  SUSPENDED: JobState.HELD,
};

/** squeue's compact state codes (squeue --format=%t). */
export const SQUEUE_STATES: Readonly<Record<string, JobState>> = {
  PD: JobState.PENDING,
  CF: JobState.PENDING,
  RQ: JobState.PENDING,
  R: JobState.RUNNING,
  CG: JobState.RUNNING,
  CA: JobState.CANCELLED,
  CD: JobState.COMPLETED,
  F: JobState.FAILED,
  NF: JobState.FAILED,
  BF: JobState.FAILED,
  RV: JobState.FAILED,
  SE: JobState.FAILED,
  OOM: JobState.FAILED,
  TO: JobState.TIMEOUT,
  DL: JobState.TIMEOUT,
  PR: JobState.TIMEOUT,
  S: JobState.HELD,
  ST: JobState.HELD,
};

/** Submits blocks with `sbatch`; polls with `sacct` when accounting works, else `squeue`; cancels with `scancel`. */
export class SlurmProvider extends ClusterProvider {
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly constraint?: string;
  readonly clusters?: string;
  readonly exclusive: boolean;
  readonly gpusPerNode?: number | string;
  readonly gres?: string;
  #useSacct: Promise<boolean> | undefined;

  constructor(options: SlurmProviderOptions = {}) {
    const o = new OptionReader<SlurmProviderOptions>('SlurmProvider', options, SLURM_OPTIONS);
    super(o, { label: 'slurm', walltime: '00:10:00', cmdTimeout: 10, launcher: () => new SrunLauncher() });
    this.partition = o.line('partition', undefined);
    this.account = o.line('account', undefined);
    this.qos = o.line('qos', undefined);
    this.constraint = o.line('constraint', undefined);
    this.clusters = o.line('clusters', undefined);
    this.exclusive = o.bool('exclusive', true);
    this.gpusPerNode = o.check<number | string | undefined>('gpusPerNode', undefined, (v) =>
      (typeof v === 'number' && Number.isInteger(v) && v > 0) ||
      (typeof v === 'string' && v !== '' && !hasControl(v))
        ? null
        : "a count of GPUs or a type and count on one line, e.g. 'a100:2'",
    );
    this.gres = o.line('gres', undefined);
  }

  protected renderScript(job: {
    jobName: string;
    paths: SubmitPaths;
    tasksPerNode: number;
    userScript: string;
  }): string {
    const directives: string[] = [];
    const add = (flag: string, value: string | number | undefined) => {
      if (value !== undefined && value !== '') directives.push(`#SBATCH --${flag}=${value}`);
    };
    if (this.exclusive) directives.push('#SBATCH --exclusive');
    add('partition', this.partition);
    add('account', this.account);
    add('qos', this.qos);
    add('constraint', this.constraint);
    add('clusters', this.clusters);
    add('gpus-per-node', this.gpusPerNode);
    add('gres', this.gres);
    const exports: string[] = [];
    if (this.memPerNode !== undefined && this.memPerNode > 0) {
      add('mem', `${this.memPerNode}g`);
      exports.push(`export PARSL_MEMORY_GB=${this.memPerNode}`);
    }
    if (this.coresPerNode !== undefined) {
      const cpusPerTask = Math.max(1, Math.floor(this.coresPerNode / job.tasksPerNode));
      add('cpus-per-task', cpusPerTask);
      exports.push(`export PARSL_CORES=${cpusPerTask}`);
    }
    return substitute(
      SLURM_TEMPLATE,
      {
        jobname: job.jobName,
        job_stdout_path: job.paths.stdoutPath,
        job_stderr_path: job.paths.stderrPath,
        submit_script_dir: job.paths.scriptDir,
        nodes: this.nodesPerBlock,
        walltime: walltimeToMinutes(this.walltime),
        tasks_per_node: job.tasksPerNode,
        scheduler_options: [this.schedulerOptions, ...directives].filter((s) => s !== '').join('\n'),
        worker_init: [...exports, this.workerInit].filter((s) => s !== '').join('\n'),
        user_script: job.userScript,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const cmd = `sbatch ${shellQuote(paths.scriptPath)}`;
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    const match = /Submitted batch job (\S+)/.exec(r.stdout);
    if (!match?.[1]) throw this.submitFailed(jobName, cmd, r, 'printed no job id');
    return match[1];
  }

  /** `sacct -X` works only with accounting storage; Parsl checks once and falls back to squeue. */
  private useSacct(): Promise<boolean> {
    this.#useSacct ??= this.executeWait('sacct -X --noheader --format=jobid -S now').then(
      (r) => r.exitCode === 0,
      () => false,
    );
    return this.#useSacct;
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const ids = shellQuote(jobIds.join(','));
    const sacct = await this.useSacct();
    const cmd = sacct
      ? `sacct -X --noheader --format=jobid,state%20,exitcode --job ${ids}`
      : `squeue --noheader --format='%i %t' --states=all --job ${ids}`;
    const r = await this.executeWait(cmd);
    // squeue exits 1 with "Invalid job id specified" once every id has left slurmctld's memory: all COMPLETED.
    if (r.exitCode !== 0 && !/Invalid job id/i.test(r.stderr)) {
      throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    }
    const table = sacct ? SACCT_STATES : SQUEUE_STATES;
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout)) {
      const [id, rawState, ...rest] = line.split(/\s+/);
      if (!id || !rawState) continue;
      // sacct prints "CANCELLED by 0"; keep the first word.
      const word = rawState.replace(/\+$/, '');
      const state = table[word] ?? JobState.UNKNOWN;
      const report: StatusReport = { state, message: `slurm state ${word}` };
      // sacct's ExitCode is "<exit status>:<signal>", the last column.
      const exit = sacct ? /^(\d+):\d+$/.exec(rest[rest.length - 1] ?? '') : null;
      if (exit?.[1] !== undefined && state !== JobState.PENDING && state !== JobState.RUNNING)
        report.exitCode = Number(exit[1]);
      reports.set(id, report);
    }
    // A job sacct does not list yet (slurmdbd records with a delay) has not finished as far as we know; squeue's
    // answer, by contrast, lists every job slurmctld still remembers, and a forgotten one is COMPLETED (Parsl).
    if (sacct)
      for (const id of jobIds) if (!reports.has(id)) reports.set(id, this.unrecorded(id, 'not in sacct yet'));
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const r = await this.executeWait(`scancel ${jobIds.map(shellQuote).join(' ')}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
