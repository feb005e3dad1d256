import { AprunLauncher } from '../../launchers/aprun.js';
import { type KeySet, OptionReader } from '../../options.js';
import { shellQuote } from '../../shell.js';
import { JobState } from '../base.js';
import {
  CLUSTER_OPTIONS,
  type ClusterDefaults,
  ClusterProvider,
  type ClusterProviderOptions,
  lines,
  type StatusReport,
  type SubmitPaths,
} from '../cluster.js';
import { SchedulerCommandFailed } from '../errors.js';
import { substitute } from '../template.js';
import { TORQUE_TEMPLATE } from './template.js';

export interface TorqueProviderOptions extends ClusterProviderOptions {
  /** `qsub -A`. */
  account?: string;
  /** `qsub -q`. */
  queue?: string;
}

export const TORQUE_OPTIONS = {
  ...CLUSTER_OPTIONS,
  account: true,
  queue: true,
} satisfies KeySet<TorqueProviderOptions>;

/** How a subclass (PBSProProvider) builds on TorqueProvider: the reader of its larger options, its defaults. */
export interface TorqueSubclass {
  readonly reader: OptionReader<TorqueProviderOptions>;
  readonly defaults: Partial<ClusterDefaults>;
}

/** PBS single-letter job states (Torque and PBS Pro share them). */
export const PBS_STATES: Readonly<Record<string, JobState>> = {
  B: JobState.RUNNING, // array job: at least one subjob running
  R: JobState.RUNNING,
  C: JobState.COMPLETED,
  E: JobState.COMPLETED, // exiting after having run
  F: JobState.COMPLETED, // finished (PBS Pro)
  X: JobState.COMPLETED, // subjob finished
  H: JobState.HELD,
  S: JobState.HELD,
  U: JobState.HELD,
  Q: JobState.PENDING,
  W: JobState.PENDING,
  T: JobState.PENDING,
  M: JobState.PENDING, // moved to another server
};

/**
 * Torque (PBS): `qsub` prints the id, `qstat <ids>` prints a table whose 5th column is the state; the Job ID
 * column is truncated on long server names, so ids are matched by prefix.
 */
export class TorqueProvider extends ClusterProvider {
  readonly account?: string;
  readonly queue?: string;

  constructor(options: TorqueProviderOptions = {}, subclass?: TorqueSubclass) {
    const o =
      subclass?.reader ?? new OptionReader<TorqueProviderOptions>('TorqueProvider', options, TORQUE_OPTIONS);
    super(o, {
      label: 'torque',
      walltime: '00:20:00',
      cmdTimeout: 120,
      launcher: () => new AprunLauncher(),
      ...subclass?.defaults,
    });
    this.account = o.line('account', undefined);
    this.queue = o.line('queue', undefined);
  }

  protected renderScript(job: {
    jobName: string;
    paths: SubmitPaths;
    tasksPerNode: number;
    userScript: string;
  }): string {
    return substitute(TORQUE_TEMPLATE, this.templateValues(job), this.label);
  }

  protected templateValues(job: {
    jobName: string;
    paths: SubmitPaths;
    tasksPerNode: number;
    userScript: string;
  }): Record<string, string | number> {
    return {
      jobname: job.jobName,
      job_stdout_path: job.paths.stdoutPath,
      job_stderr_path: job.paths.stderrPath,
      submit_script_dir: job.paths.scriptDir,
      walltime: this.walltime,
      nodes_per_block: this.nodesPerBlock,
      tasks_per_node: job.tasksPerNode,
      scheduler_options: this.schedulerOptions,
      worker_init: this.workerInit,
      user_script: job.userScript,
    };
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const args = ['qsub'];
    if (this.queue) args.push('-q', shellQuote(this.queue));
    if (this.account) args.push('-A', shellQuote(this.account));
    args.push(shellQuote(paths.scriptPath));
    const cmd = args.join(' ');
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    const id = lines(r.stdout).at(-1);
    if (!id) throw this.submitFailed(jobName, cmd, r, 'printed no job id');
    return id;
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = `qstat ${jobIds.map(shellQuote).join(' ')}`;
    const r = await this.executeWait(cmd);
    // qstat exits non-zero when some ids are unknown ("Unknown Job Id") yet still prints the others.
    if (r.exitCode !== 0 && !/Unknown Job Id/i.test(r.stderr))
      throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout)) {
      if (line.startsWith('Job') || line.startsWith('---')) continue;
      const cols = line.split(/\s+/);
      const shown = cols[0];
      const letter = cols[4];
      if (!shown || !letter) continue;
      // "1234.very-long-serv" stands for "1234.very-long-server-name".
      const id = jobIds.find((j) => j === shown || j.startsWith(shown.replace(/\*$/, '')));
      if (id)
        reports.set(id, { state: PBS_STATES[letter] ?? JobState.UNKNOWN, message: `qstat state ${letter}` });
    }
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const r = await this.executeWait(`qdel ${jobIds.map(shellQuote).join(' ')}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
