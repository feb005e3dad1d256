import { SingleNodeLauncher } from '../../launchers/single-node.js';
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
import { GRIDENGINE_TEMPLATE } from './template.js';

export interface GridEngineProviderOptions extends ClusterProviderOptions {
  /** `qsub -q`. */
  queue?: string;
}

const GRIDENGINE_OPTIONS = { ...CLUSTER_OPTIONS, queue: true } satisfies KeySet<GridEngineProviderOptions>;

/**
 * qstat state codes (lower-cased). Parsl maps t (transferring to the exec host, a normal step before r) and
 * s/ts (suspended) to FAILED; here t is RUNNING and suspension is HELD, so a starting job is not lost.
 */
export const GRIDENGINE_STATES: Readonly<Record<string, JobState>> = {
  qw: JobState.PENDING,
  hqw: JobState.PENDING,
  hrwq: JobState.PENDING,
  hrqw: JobState.PENDING,
  rq: JobState.PENDING,
  t: JobState.RUNNING,
  r: JobState.RUNNING,
  rr: JobState.RUNNING,
  rt: JobState.RUNNING,
  s: JobState.HELD,
  ts: JobState.HELD,
  ss: JobState.HELD,
  rs: JobState.HELD,
  eqw: JobState.FAILED,
  ehqw: JobState.FAILED,
  ehrqw: JobState.FAILED,
  d: JobState.COMPLETED,
  dr: JobState.COMPLETED,
  dt: JobState.COMPLETED,
  drt: JobState.COMPLETED,
  ds: JobState.COMPLETED,
  drs: JobState.COMPLETED,
};

export function accountingReport(failed: string, exitStatus: number): StatusReport {
  const code = Number.parseInt(failed, 10);
  if (code === 37 || /h_rt|s_rt/.test(failed)) {
    return {
      state: JobState.TIMEOUT,
      message: `walltime exceeded (qacct failed: ${failed})`,
      exitCode: exitStatus,
    };
  }
  if (code !== 0) return { state: JobState.FAILED, message: `qacct failed: ${failed}`, exitCode: exitStatus };
  if (exitStatus !== 0)
    return { state: JobState.FAILED, message: `exit status ${exitStatus}`, exitCode: exitStatus };
  return { state: JobState.COMPLETED, exitCode: 0 };
}

/** (Son of) Grid Engine: `qsub -terse`, plain `qstat` (5th column), `qdel`. */
export class GridEngineProvider extends ClusterProvider {
  readonly queue?: string;

  constructor(options: GridEngineProviderOptions = {}) {
    const o = new OptionReader<GridEngineProviderOptions>('GridEngineProvider', options, GRIDENGINE_OPTIONS);
    super(o, {
      label: 'gridengine',
      walltime: '00:10:00',
      cmdTimeout: 60,
      launcher: () => new SingleNodeLauncher(),
    });
    this.queue = o.line('queue', undefined);
  }

  protected renderScript(job: { jobName: string; paths: SubmitPaths; userScript: string }): string {
    return substitute(
      GRIDENGINE_TEMPLATE,
      {
        jobname: job.jobName,
        job_stdout_path: job.paths.stdoutPath,
        job_stderr_path: job.paths.stderrPath,
        submit_script_dir: job.paths.scriptDir,
        walltime: this.walltime,
        scheduler_options: this.schedulerOptions,
        worker_init: this.workerInit,
        user_script: job.userScript,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const cmd = `qsub ${this.queue ? `-q ${shellQuote(this.queue)} ` : ''}-terse ${shellQuote(paths.scriptPath)}`;
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw this.submitFailed(jobName, cmd, r, 'failed');
    const id = lines(r.stdout)[0];
    if (!id || !/^\d+/.test(id)) throw this.submitFailed(jobName, cmd, r, 'printed no job id');
    return id;
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = 'qstat';
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    const wanted = new Set(jobIds);
    const reports = new Map<string, StatusReport>();
    for (const line of lines(r.stdout).slice(2)) {
      const cols = line.split(/\s+/);
      const id = cols[0];
      const code = cols[4]?.toLowerCase();
      if (!id || !code || !wanted.has(id)) continue;
      reports.set(id, { state: GRIDENGINE_STATES[code] ?? JobState.UNKNOWN, message: `qstat state ${code}` });
    }
    const gone = jobIds.filter((id) => !reports.has(id));
    if (gone.length > 0) for (const [id, report] of await this.accounting(gone)) reports.set(id, report);
    return reports;
  }

  /**
   * qstat forgets finished jobs; `qacct -j` tells how they ended (failed 37 = h_rt enforced → TIMEOUT). A job
   * without a record yet (qacct says "not found", or the accounting file does not exist yet on a fresh
   * install) is {@link ClusterProvider.unrecorded}: never COMPLETED, since a failed job would look the same.
   */
  private async accounting(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = jobIds.map((id) => `echo "==== ${id}"; qacct -j ${shellQuote(id)} 2>&1`).join('; ');
    const r = await this.executeWait(cmd);
    const answers = new Map<string, string>();
    for (const block of r.stdout.split('==== ').slice(1)) {
      const nl = block.indexOf('\n');
      answers.set(block.slice(0, nl < 0 ? block.length : nl).trim(), nl < 0 ? '' : block.slice(nl + 1));
    }
    const reports = new Map<string, StatusReport>();
    for (const id of jobIds) {
      const block = answers.get(id) ?? '';
      const field = (name: string) => new RegExp(`^${name}\\s+(.*)$`, 'm').exec(block)?.[1]?.trim();
      const report =
        field('jobnumber') === undefined
          ? this.unrecorded(
              id,
              `qacct: ${block.trim().replace(/\s*\n\s*/g, '; ') || `exit code ${r.exitCode}`}`,
            )
          : accountingReport(field('failed') ?? '0', Number.parseInt(field('exit_status') ?? '0', 10));
      reports.set(id, report);
    }
    return reports;
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    const r = await this.executeWait(`qdel ${jobIds.map(shellQuote).join(' ')}`);
    return jobIds.map(() => r.exitCode === 0);
  }
}
