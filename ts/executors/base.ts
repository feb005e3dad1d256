import type { StagingProvider } from '../data/staging.js';
import type { BashOptions, WorkerReport } from '../execute/task-wire.js';
import type { Logger } from '../logging.js';
import type { FunctionDescriptor } from '../serialize/function-ref.js';

export type { BashOptions, ResourceSample, StdStream, WorkerReport } from '../execute/task-wire.js';

/** One try of one task, handed by the kernel to an executor. Arguments are already resolved. */
export interface ExecutorTask {
  readonly id: number;
  readonly tryId: number;
  readonly appName: string;
  readonly kind: 'js' | 'bash';
  // biome-ignore lint/complexity/noBannedTypes: the app body, for executors that run it in-process
  readonly func: Function;
  readonly fn: FunctionDescriptor;
  readonly args: readonly unknown[];
  readonly walltimeMs: number | null;
  readonly bash: BashOptions | null;
  readonly resourceSpecification: Readonly<Record<string, unknown>>;
  /**
   * With monitoring on: the worker reports its times with the result, and with resource sampling (≥ 0) a
   * sample every this many seconds (0: at the task's end only); -1 without sampling (executors whose tasks
   * share the kernel's process, like the thread pool, never sample). Null without monitoring.
   */
  readonly monitor?: number | null;
}

export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown; readonly worker?: WorkerReport }
  | { readonly ok: false; readonly error: Error; readonly worker?: WorkerReport };

/** Called exactly once per submitted task, never synchronously from inside `submit`. */
export type TaskDone = (outcome: TaskOutcome) => void;

export interface ExecutorContext {
  readonly runDir: string;
  readonly runId: string;
  readonly logger: Logger;
  /** Where executors report their nodes and blocks when monitoring is on; null otherwise. */
  readonly monitor?: ExecutorMonitor | null;
}

/** One worker pool (an HTEX manager, an ExtremeScale rank 0) as it registered or changed: Parsl's NODE_INFO. */
export interface NodeReport {
  readonly executorLabel: string;
  readonly uid: string;
  readonly hostname: string;
  readonly blockId: string | null;
  readonly cpuCount: number;
  readonly totalMemory: number;
  readonly workerCount: number;
  readonly active: boolean;
  /** The runtime of the pool, in Parsl's `python_v` column. */
  readonly version: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly lastHeartbeat: number;
}

/** One block's status as the job status poller saw it: Parsl's BLOCK_INFO. */
export interface BlockReport {
  readonly executorLabel: string;
  readonly blockId: string;
  readonly jobId: string | null;
  readonly status: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** Monitoring's ear for executors: cheap, synchronous, never throws. */
export interface ExecutorMonitor {
  node(n: NodeReport): void;
  block(b: BlockReport): void;
}

/**
 * What the DataFlowKernel needs from an executor. The kernel depends on this interface only; block-based
 * executors add scaling through {@link BlockScaling}.

 */
export interface Executor {
  readonly label: string;
  /** Staging providers for this executor's Files; null or absent: the defaults (see `ts/staging`). */
  readonly storageAccess?: readonly StagingProvider[] | null;
  /** Where staged copies go on the side where tasks run; null or absent: the task's current directory. */
  readonly workingDir?: string | null;
  start(ctx: ExecutorContext): Promise<void>;
  submit(task: ExecutorTask, done: TaskDone): void;
  /** Tasks submitted and not yet done. */
  outstanding(): number;
  /** Stop promptly and leave no thread or process behind; idempotent. */
  shutdown(): Promise<void>;
  /**
   * Called by the kernel once the executor has started: from then on its threads, processes, pipes and timers
   * must not keep the process alive (Node's `unref()`). The kernel holds the process while tasks are open and
   * while it cleans up, so a script that never calls `cleanup()` ends, after cleanup, once its work is settled.
   * Optional: an executor without it keeps such a script running until something calls `cleanup()`.
   */
  unref?(): void;
}

export function isExecutor(v: unknown): v is Executor {
  const e = v as Executor;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof e.label === 'string' &&
    typeof e.start === 'function' &&
    typeof e.submit === 'function' &&
    typeof e.shutdown === 'function' &&
    typeof e.outstanding === 'function'
  );
}
