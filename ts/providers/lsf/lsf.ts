import { JsrunLauncher } from '../../launchers/jsrun.js';
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
import { LSF_TEMPLATE } from './template.js';

export interface LSFProviderOptions extends ClusterProviderOptions {
  /** `#BSUB -P`. */
  project?: string;
  /** `#BSUB -q`. */
  queue?: string;
  /** Ask for whole nodes (`-nnodes`, Summit-style); otherwise cores (`-n`, `span[ptile=…]`). @default true */
  requestByNodes?: boolean;
  /** Cores per block when `requestByNodes` is false. */
  coresPerBlock?: number;
  /** Submit with `bsub < script` (needed where bsub reads directives only from stdin). @default false */
  bsubRedirection?: boolean;
}

const LSF_OPTIONS = {
  ...CLUSTER_OPTIONS,
  project: true,
  queue: true,
  requestByNodes: true,
  coresPerBlock: true,
  bsubRedirection: true,
} satisfies KeySet<LSFProviderOptions>;

export const LSF_STATES: Readonly<Record<string, JobState>> = {
  PEND: JobState.PENDING,
  RUN: JobState.RUNNING,
  DONE: JobState.COMPLETED,
  EXIT: JobState.FAILED,
  PSUSP: JobState.CANCELLED,
  USUSP: JobState.CANCELLED,
  SSUSP: JobState.CANCELLED,
};

/** IBM Spectrum LSF: `bsub`, `bjobs -noheader -o 'jobid stat'`, `bkill`. */
export class LSFProvider extends ClusterProvider {
  readonly project?: string;
  readonly queue?: string;
  readonly requestByNodes: boolean;
  readonly coresPerBlock?: number;
  readonly bsubRedirection: boolean;

  constructor(options: LSFProviderOptions = {}) {
    const o = new OptionReader<LSFProviderOptions>('LSFProvider', options, LSF_OPTIONS);
    super(o, {
      label: 'lsf',
      walltime: '00:10:00',
      cmdTimeout: 120,
      launcher: () => new JsrunLauncher(),
    });
    this.project = o.line('project', undefined);
    this.queue = o.line('queue', undefined);
    this.requestByNodes = o.bool('requestByNodes', true);
    this.coresPerBlock = o.number('coresPerBlock', undefined, { integer: true, min: 1 });
    this.bsubRedirection = o.bool('bsubRedirection', false);
    if (!this.requestByNodes && (this.coresPerBlock === undefined || this.coresPerNode === undefined)) {
      o.fail(
        'coresPerBlock',
        'set, with coresPerNode, when requestByNodes is false (to write -n and span[ptile])',
      );
    }
  }

  protected renderScript(job: { jobName: string; paths: SubmitPaths; userScript: string }): string {
    const directives = [this.schedulerOptions];
    if (this.project) directives.push(`#BSUB -P ${this.project}`);
    if (this.queue) directives.push(`#BSUB -q ${this.queue}`);
    if (this.requestByNodes) directives.push(`#BSUB -nnodes ${this.nodesPerBlock}`);
    else directives.push(`#BSUB -n ${this.coresPerBlock}`, `#BSUB -R "span[ptile=${this.coresPerNode}]"`);
    return substitute(
      LSF_TEMPLATE,
      {
        jobname: job.jobName,
        job_stdout_path: job.paths.stdoutPath,
        job_stderr_path: job.paths.stderrPath,
        submit_script_dir: job.paths.scriptDir,
        walltime: walltimeToMinutes(this.walltime),
        scheduler_options: directives.filter((d) => d !== '').join('\n'),
        worker_init: this.workerInit,
        user_script: job.userScript,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const cmd = `bsub ${this.bsubRedirection ? '< ' : ''}${shellQuote(paths.scriptPath)}`;
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    const match = /Job <(\S+?)> is submitted/.exec(r.stdout);
    if (!match?.[1]) throw this.submitFailed(jobName, cmd, r, 'printed no job id');
    return match[1];
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = `bjobs -noheader -o 'jobid stat' ${jobIds.map(shellQuote).join(' ')}`;
    const r = await this.executeWait(cmd);
    // bjobs exits 255 when an id is unknown ("Job <id> is not found") but still lists the others.
    if (r.exitCode !== 0 && !/is not found/.test(r.stdout + r.stderr)) {
      throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    }
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout)) {
      const [id, stat] = line.split(/\s+/);
      if (!id || !stat || !jobIds.includes(id)) continue;
      reports.set(id, { state: LSF_STATES[stat] ?? JobState.UNKNOWN, message: `lsf state ${stat}` });
    }
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const r = await this.executeWait(`bkill ${jobIds.map(shellQuote).join(' ')}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
