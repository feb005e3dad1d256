import { SingleNodeLauncher } from '../../launchers/single-node.js';
import { OptionReader } from '../../options.js';
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
import { LOCAL_CANCEL, LOCAL_LAUNCH, LOCAL_TEMPLATE } from './template.js';

/** Polls of 50 ms a cancelled block gets to end on SIGTERM before SIGKILL. */
const CANCEL_GRACE_POLLS = 60;

export type LocalProviderOptions = ClusterProviderOptions;

/**
 * Runs each block as a process group under bash on the channel's host (this host by default). The job id is
 * the group's pid; status comes from the exit-code file; cancel ends every process of the block (its group,
 * session and descendants: SIGTERM, then SIGKILL after 3 s) and returns once they are gone.
 * Defaults: `initBlocks` 1, `maxBlocks` 1, `cmdTimeout` 30 s, `statusPollingInterval` 5000 ms,
 * `launcher` SingleNodeLauncher.
 */
export class LocalProvider extends ClusterProvider {
  constructor(options: LocalProviderOptions = {}) {
    super(new OptionReader<LocalProviderOptions>('LocalProvider', options, CLUSTER_OPTIONS), {
      label: 'local',
      walltime: '00:15:00',
      cmdTimeout: 30,
      statusPollingInterval: 5_000,
      launcher: () => new SingleNodeLauncher(),
    });
    this.scriptSuffix = '.sh';
  }

  protected renderScript(job: { jobName: string; paths: SubmitPaths; userScript: string }): string {
    return substitute(
      LOCAL_TEMPLATE,
      {
        jobname: job.jobName,
        submit_script_dir: job.paths.scriptDir,
        worker_init: this.workerInit,
        user_script: job.userScript,
      },
      this.label,
    );
  }

  protected async submitScript(jobName: string, paths: SubmitPaths): Promise<string> {
    const cmd = substitute(LOCAL_LAUNCH, { script: shellQuote(paths.scriptPath) }, this.label);
    const r = await this.executeWait(cmd);
    const match = /PID:(\d+)/.exec(r.stdout);
    if (r.exitCode !== 0 || !match?.[1])
      throw this.submitFailed(jobName, 'bash <script> &', r, 'did not start');
    // Our own record uses `.out`/`.err` next to the script.
    paths.stdoutPath = `${paths.scriptPath}.out`;
    paths.stderrPath = `${paths.scriptPath}.err`;
    return match[1];
  }

  protected async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    // One round trip for the whole batch: "<pid> <alive 0|1> <ec file content>" per job.
    const probes = jobIds.map((id) => {
      const ec = shellQuote(`${this.jobPaths(id)?.scriptPath ?? '/nonexistent'}.ec`);
      return `printf '%s %s %s\\n' ${id} "$(kill -0 -- -${id} 2>/dev/null && echo 1 || echo 0)" "$(cat ${ec} 2>/dev/null || echo ?)"`;
    });
    const cmd = probes.join('\n');
    const r = await this.executeWait(cmd);
    if (r.exitCode !== 0) throw new SchedulerCommandFailed('local status probe', r.exitCode, r.stderr);
    const reports = new Map<string, StatusReport>();
    const lingering: string[] = [];
    for (const line of lines(r.stdout)) {
      const [id, alive, ec] = line.split(' ');
      if (!id) continue;
      reports.set(id, this.report(alive === '1', ec ?? '?'));
      if (alive === '1' && /^\d+$/.test(ec ?? '')) lingering.push(id);
    }
    // The block's script ended, yet processes of it run on (orphaned by a killed pool, or stopped): end them now.
    if (lingering.length > 0) await this.reap(lingering);
    return reports;
  }

  private report(alive: boolean, ec: string): StatusReport {
    if (ec === '-' || ec === '?') {
      return alive
        ? { state: JobState.RUNNING }
        : {
            state: JobState.CANCELLED,
            message: 'the block’s processes are gone without an exit code (killed)',
          };
    }
    const code = Number(ec);
    if (code === 0) return { state: JobState.COMPLETED, exitCode: 0 };
    return { state: JobState.FAILED, exitCode: code, message: `block exited with code ${code}` };
  }

  protected async cancelJobs(jobIds: string[]): Promise<boolean[]> {
    return Promise.all(jobIds.map(async (id) => (await this.#endProcesses(id)) === 'ended'));
  }

  /** Ends every process left of jobs that ended (their main script exited; a stopped or orphaned one may not). */
  async reap(jobIds: string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.#endProcesses(id)));
  }

  async #endProcesses(id: string): Promise<'ended' | 'none' | 'failed'> {
    if (!/^\d+$/.test(id)) return 'failed';
    const script = substitute(LOCAL_CANCEL, { pgid: id, grace: CANCEL_GRACE_POLLS }, this.label);
    const r = await this.executeWait(script);
    if (r.exitCode === 0) return 'ended';
    if (r.exitCode === 3) return 'none';
    this.log.error(`${this.label}: ending block ${id} failed: ${(r.stderr || r.stdout).trim()}`);
    return 'failed';
  }
}
