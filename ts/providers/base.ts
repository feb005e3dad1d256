import type { KeySet, OptionReader } from '../options.js';

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
  /**
   * Ends what jobs that already ended left behind (a worker orphaned by its killed pool, a stopped process).
   * Offered by providers whose jobs are processes they can see, such as LocalProvider; called at shutdown.
   */
  reap?(jobIds: string[]): Promise<void>;
}

/** Options every provider takes: the limits the strategy scales blocks within, and how long a command may take. */
export interface BlockOptions {
  /** Name in logs and monitoring. Default per provider, e.g. 'slurm'. */
  label?: string;
  /** Blocks started when the executor starts. Default per provider (usually 1). */
  initBlocks?: number;
  /** @default 0 */
  minBlocks?: number;
  /** Default per provider (1 for batch schedulers, 10 for clouds). */
  maxBlocks?: number;
  /** Ratio of slots to pending tasks the strategy aims for, 0..1. @default 1 */
  parallelism?: number;
  /** Milliseconds between status polls by the block machinery. Default per provider. */
  statusPollingInterval?: number;
  /** Seconds a scheduler command or API call may take before it is abandoned. Default per provider. */
  cmdTimeout?: number;
}

export const BLOCK_OPTIONS = {
  label: true,
  initBlocks: true,
  minBlocks: true,
  maxBlocks: true,
  parallelism: true,
  statusPollingInterval: true,
  cmdTimeout: true,
} satisfies KeySet<BlockOptions>;

/** A provider's defaults for {@link BlockOptions}. */
export interface BlockDefaults {
  readonly label: string;
  readonly initBlocks: number;
  readonly maxBlocks: number;
  readonly statusPollingInterval: number;
  readonly cmdTimeout: number;
}

/**
 * The block fields every provider shows the block machinery, read from {@link BlockOptions} the same way by
 * every provider. A subclass makes the reader of its own options (its class name and every key it takes) and
 * hands it up, so one reader checks the whole options object.
 */
export abstract class ProviderBase implements ExecutionProvider {
  label: string;
  readonly statusPollingInterval: number;
  initBlocks: number;
  minBlocks: number;
  maxBlocks: number;
  nodesPerBlock = 1;
  parallelism: number;
  scriptDir = 'submit_scripts';
  /** How long one scheduler command or API call may take. */
  readonly cmdTimeoutMs: number;

  protected constructor(o: OptionReader<BlockOptions>, d: BlockDefaults) {
    this.label = o.name('label', d.label);
    this.initBlocks = o.int('initBlocks', d.initBlocks, 0);
    this.minBlocks = o.int('minBlocks', 0, 0);
    this.maxBlocks = o.int('maxBlocks', d.maxBlocks, 0);
    this.parallelism = o.number('parallelism', 1, { min: 0, max: 1 });
    this.statusPollingInterval = o.number('statusPollingInterval', d.statusPollingInterval, { min: 0 });
    this.cmdTimeoutMs = o.seconds('cmdTimeout', d.cmdTimeout);
  }

  abstract submit(command: string, tasksPerNode: number, jobName: string): Promise<string>;
  abstract status(jobIds: string[]): Promise<JobStatus[]>;
  abstract cancel(jobIds: string[]): Promise<boolean[]>;
}
