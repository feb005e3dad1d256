import { SingleNodeLauncher } from '../../launchers/single-node.js';
import { type KeySet, OptionReader } from '../../options.js';
import { shellQuote } from '../../shell.js';
import { JobState } from '../base.js';
import type { StatusReport, SubmitPaths } from '../cluster.js';
import { SchedulerCommandFailed } from '../errors.js';
import { substitute } from '../template.js';
import { PBS_STATES, TORQUE_OPTIONS, TorqueProvider, type TorqueProviderOptions } from '../torque/torque.js';
import { PBSPRO_TEMPLATE } from './template.js';

export interface PBSProProviderOptions extends TorqueProviderOptions {
  /** `ncpus` of each select chunk. @default 1 */
  cpusPerNode?: number;
  /** Appended to the select statement, e.g. `:mem=64gb:ngpus=1`. @default '' */
  selectOptions?: string;
}

const PBSPRO_OPTIONS = {
  ...TORQUE_OPTIONS,
  cpusPerNode: true,
  selectOptions: true,
} satisfies KeySet<PBSProProviderOptions>;

interface QstatJson {
  Jobs?: Record<string, { job_state?: string; Exit_status?: number | string; comment?: string }>;
}

/** PBS Pro: a Torque provider with `select` chunks and JSON status (`qstat -f -F json -x`). */
export class PBSProProvider extends TorqueProvider {
  readonly cpusPerNode: number;
  readonly selectOptions: string;

  constructor(options: PBSProProviderOptions = {}) {
    const reader = new OptionReader<PBSProProviderOptions>('PBSProProvider', options, PBSPRO_OPTIONS);
    super(options, { reader, defaults: { label: 'pbspro', launcher: () => new SingleNodeLauncher() } });
    this.cpusPerNode = reader.int('cpusPerNode', 1);
    this.selectOptions = reader.line('selectOptions', '');
  }

  protected override renderScript(job: {
    jobName: string;
    paths: SubmitPaths;
    tasksPerNode: number;
    userScript: string;
  }): string {
    const select = `${this.nodesPerBlock}:ncpus=${this.cpusPerNode}${this.selectOptions}`;
    return substitute(PBSPRO_TEMPLATE, { ...this.templateValues(job), select }, this.label);
  }

  protected override async queryStatus(jobIds: string[]): Promise<Map<string, StatusReport>> {
    const cmd = `qstat -f -F json -x ${jobIds.map(shellQuote).join(' ')}`;
    const r = await this.executeWait(cmd);
    let parsed: QstatJson = {};
    const start = r.stdout.indexOf('{');
    if (start >= 0) {
      try {
        parsed = JSON.parse(r.stdout.slice(start)) as QstatJson;
      } catch (cause) {
        throw new SchedulerCommandFailed(cmd, r.exitCode, `unparsable JSON from qstat: ${String(cause)}`);
      }
    } else if (r.exitCode !== 0 && !/Unknown Job Id|Job has finished/i.test(r.stderr)) {
      throw new SchedulerCommandFailed(cmd, r.exitCode, r.stderr);
    }
    const reports = new Map<string, StatusReport>();
    for (const [id, info] of Object.entries(parsed.Jobs ?? {})) {
      const letter = info.job_state ?? '';
      let state = PBS_STATES[letter] ?? JobState.UNKNOWN;
      const exit = info.Exit_status === undefined ? undefined : Number(info.Exit_status);
      if (state === JobState.COMPLETED && exit !== undefined && exit !== 0) state = JobState.FAILED;
      const report: StatusReport = { state, message: info.comment ?? `qstat state ${letter}` };
      if (exit !== undefined) report.exitCode = exit;
      reports.set(id, report);
    }
    return reports;
  }
}
