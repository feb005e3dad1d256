import { AprunLauncher } from '../../launchers/aprun.js';
import { type KeySet, OptionReader } from '../../options.js';
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
import { COBALT_TEMPLATE } from './template.js';

export interface CobaltProviderOptions extends ClusterProviderOptions {
  /** `qsub -A`. */
  account?: string;
  /** `qsub -q`. */
  queue?: string;
}

const COBALT_OPTIONS = {
  ...CLUSTER_OPTIONS,
  account: true,
  queue: true,
} satisfies KeySet<CobaltProviderOptions>;

export const COBALT_STATES: Readonly<Record<string, JobState>> = {
  QUEUED: JobState.PENDING,
  STARTING: JobState.PENDING,
  RUNNING: JobState.RUNNING,
  EXITING: JobState.COMPLETED,
  KILLING: JobState.COMPLETED,
};

/** Cobalt (ALCF, retired): `qsub -n <nodes> -t <minutes>`, `qstat -u $USER`, `qdel`. Defaults: initBlocks 0. */
export class CobaltProvider extends ClusterProvider {
  readonly account?: string;
  readonly queue?: string;

  constructor(options: CobaltProviderOptions = {}) {
    const o = new OptionReader<CobaltProviderOptions>('CobaltProvider', options, COBALT_OPTIONS);
    super(o, {
      label: 'cobalt',
      walltime: '00:10:00',
      cmdTimeout: 10,
      launcher: () => new AprunLauncher(),
      initBlocks: 0,
      maxBlocks: 10,
    });
    this.account = o.line('account', undefined);
    this.queue = o.line('queue', undefined);
  }

  protected renderScript(job: { jobName: string; paths: SubmitPaths; userScript: string }): string {
    return substitute(
      COBALT_TEMPLATE,
      {
        jobname: job.jobName,
        submit_script_dir: job.paths.scriptDir,
        scheduler_options: this.schedulerOptions,
        worker_init: this.workerInit,
        user_script: job.userScript,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const args = ['qsub', '-n', String(this.nodesPerBlock)];
    if (this.queue) args.push('-q', shellQuote(this.queue));
    args.push('-t', String(walltimeToMinutes(this.walltime)));
    if (this.account) args.push('-A', shellQuote(this.account));
    args.push(
      '-o',
      shellQuote(paths.stdoutPath),
      '-e',
      shellQuote(paths.stderrPath),
      shellQuote(paths.scriptPath),
    );
    const cmd = args.join(' ');
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    // Cobalt prints warnings to stderr and the bare job id as the last stdout line.
    const id = lines(r.stdout).at(-1);
    if (!id || !/^\d+$/.test(id)) throw this.submitFailed(jobName, cmd, r, 'printed no job id');
    return id;
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = 'qstat -u "$USER"';
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    const wanted = new Set(jobIds);
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout)) {
      const cols = line.split(/\s+/);
      const id = cols[0];
      const word = cols[4]?.toUpperCase();
      if (!id || !word || !wanted.has(id)) continue;
      reports.set(id, { state: COBALT_STATES[word] ?? JobState.UNKNOWN, message: `cobalt state ${word}` });
    }
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const r = await this.executeWait(`qdel ${jobIds.map(shellQuote).join(' ')}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
