/** What every provider offers to the block machinery (`executors/block-provider`), Parsl's ExecutionProvider. */
export enum JobState {
  UNKNOWN = 0,
  PENDING = 1,
  RUNNING = 2,
  CANCELLED = 3,
  COMPLETED = 4,
  FAILED = 5,
  TIMEOUT = 6,
  HELD = 7,
  MISSING = 8,
  SCALED_IN = 9,
}

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  JobState.CANCELLED,
  JobState.COMPLETED,
  JobState.FAILED,
  JobState.TIMEOUT,
  JobState.MISSING,
  JobState.SCALED_IN,
]);

export class JobStatus {
  constructor(
    readonly state: JobState,
    readonly message: string | null = null,
    readonly exitCode: number | null = null,
    readonly stdoutPath: string | null = null,
    readonly stderrPath: string | null = null,
  ) {}

  get terminal(): boolean {
    return TERMINAL_STATES.has(this.state);
  }

  toString(): string {
    const extra = [this.message, this.exitCode === null ? null : `exit code ${this.exitCode}`].filter(
      Boolean,
    );
    return `${JobState[this.state]}${extra.length ? ` (${extra.join(', ')})` : ''}`;
  }
}

export interface ExecutionProvider {
  label: string;
  /** How often the block machinery may poll `status`, in milliseconds. */
  readonly statusPollingInterval: number;
  initBlocks: number;
  minBlocks: number;
  maxBlocks: number;
  nodesPerBlock: number;
  parallelism: number;
  coresPerNode?: number;
  /** GB per node. */
  memPerNode?: number;
  /** Set by the executor to `<runDir>/submit_scripts`. */
  scriptDir: string;
  /** Submits one block; resolves with the scheduler's job id. */
  submit(command: string, tasksPerNode: number, jobName: string): Promise<string>;
  /** One status per id, same order; ids this provider never submitted are `UNKNOWN`. */
  status(jobIds: string[]): Promise<JobStatus[]>;
  /** One boolean per id: whether the cancel request was accepted. */
  cancel(jobIds: string[]): Promise<boolean[]>;
}
