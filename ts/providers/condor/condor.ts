import { writeFile } from 'node:fs/promises';
import { basename, posix, resolve } from 'node:path';
import { SingleNodeLauncher } from '../../launchers/single-node.js';
import { hasControl, type KeySet, ONE_LINE, OptionReader } from '../../options.js';
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
import { SchedulerCommandFailed, ScriptPathError } from '../errors.js';
import { substitute } from '../template.js';
import { CONDOR_JOB_SCRIPT, CONDOR_TEMPLATE } from './template.js';

export interface CondorProviderOptions extends ClusterProviderOptions {
  /** ClassAd expression for `requirements`. @default '' */
  requirements?: string;
  /** `+ProjectName`. @default '' */
  project?: string;
  /** Environment of the job. @default {} */
  environment?: Record<string, string>;
}

const CONDOR_OPTIONS = {
  ...CLUSTER_OPTIONS,
  requirements: true,
  project: true,
  environment: true,
} satisfies KeySet<CondorProviderOptions>;

/** Condor's numeric JobStatus. */
export const CONDOR_STATES: Readonly<Record<string, JobState>> = {
  '1': JobState.PENDING, // Idle
  '2': JobState.RUNNING,
  '3': JobState.CANCELLED, // Removed
  '4': JobState.COMPLETED,
  '5': JobState.FAILED, // Held
  '6': JobState.FAILED, // Transferring output (Parsl's table)
  '7': JobState.HELD, // Suspended
};

/** HTCondor: `condor_submit`, `condor_q <ids> -af:jr JobStatus`, `condor_rm`. */
export class CondorProvider extends ClusterProvider {
  readonly requirements: string;
  readonly project: string;
  readonly environment: Record<string, string>;

  constructor(options: CondorProviderOptions = {}) {
    const o = new OptionReader<CondorProviderOptions>('CondorProvider', options, CONDOR_OPTIONS);
    super(o, {
      label: 'condor',
      walltime: '00:10:00',
      cmdTimeout: 60,
      launcher: () => new SingleNodeLauncher(),
    });
    this.requirements = o.line('requirements', '');
    this.project = o.line('project', '');
    this.environment = o.stringRecord('environment', {});
    // Names and values share the submit description's one `environment = "…"` line.
    if (Object.entries(this.environment).some(([k, v]) => hasControl(k) || hasControl(v)))
      o.fail('environment', `an object of strings, each name and value ${ONE_LINE}`);
    this.statusBatchSize = 100;
  }

  /** The bash job script; the submit description is written next to it in {@link submitScript}. */
  protected renderScript(job: { jobName: string; paths: SubmitPaths; userScript: string }): string {
    return substitute(
      CONDOR_JOB_SCRIPT,
      {
        jobname: job.jobName,
        submit_script_dir: job.paths.scriptDir,
        worker_init: this.workerInit,
        user_script: job.userScript,
      },
      this.label,
    );
  }

  private description(jobName: string, paths: SubmitPaths): string {
    const env = Object.entries(this.environment)
      .map(([k, v]) => `${k}='${v.replaceAll("'", "''")}'`)
      .join(' ');
    const resources: string[] = [];
    if (this.memPerNode !== undefined)
      resources.push(`RequestMemory = ${Math.round(this.memPerNode * 1024)}`);
    if (this.coresPerNode !== undefined) resources.push(`RequestCpus = ${this.coresPerNode}`);
    return substitute(
      CONDOR_TEMPLATE,
      {
        script_name: basename(paths.scriptPath),
        script_path: paths.scriptPath,
        job_stdout_path: paths.stdoutPath,
        job_stderr_path: paths.stderrPath,
        job_log_path: `${paths.scriptPath}.log`,
        nodes: this.nodesPerBlock,
        requirements: this.requirements ? `requirements = ${this.requirements}` : '',
        project: this.project ? `+ProjectName = "${this.project}"` : '',
        environment: env ? `environment = "${env}"` : '',
        resources: resources.join('\n'),
        scheduler_options: this.schedulerOptions,
        jobname: jobName,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const descName = `${basename(paths.scriptPath)}.condor`;
    const localDesc = posix.join(resolve(this.scriptDir), descName);
    try {
      await writeFile(localDesc, this.description(jobName, paths), { mode: 0o600 });
    } catch (cause) {
      throw new ScriptPathError(localDesc, (cause as Error).message, { cause });
    }
    const desc = this.moveFiles ? await this.channel.push(localDesc, paths.scriptDir) : localDesc;
    const cmd = `condor_submit ${shellQuote(desc)}`;
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    const match = /(\d+) job\(s\) submitted to cluster (\d+)/.exec(r.stdout);
    if (!match?.[2]) throw this.submitFailed(jobName, cmd, r, 'printed no cluster id');
    // One block = one job in the cluster: proc 0.
    return `${match[2]}.0`;
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = `condor_q ${jobIds.map(shellQuote).join(' ')} -af:jr JobStatus ExitCode`;
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout)) {
      const [id, code, exit] = line.split(/\s+/);
      if (!id || !code) continue;
      const report: StatusReport = {
        state: CONDOR_STATES[code] ?? JobState.UNKNOWN,
        message: `condor JobStatus ${code}`,
      };
      // Completed (4) says only that the job left; ExitCode (undefined before it ends) says how.
      if (code === '4' && exit !== undefined && /^\d+$/.test(exit)) {
        report.exitCode = Number(exit);
        if (report.exitCode !== 0) report.state = JobState.FAILED;
      }
      reports.set(id, report);
    }
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const ids = jobIds.map(shellQuote).join(' ');
    // condor_rm leaves jobs in X state until the schedd hears back; -forcex removes them at once.
    const r = await this.executeWait(`condor_rm ${ids}; condor_rm -forcex ${ids}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
