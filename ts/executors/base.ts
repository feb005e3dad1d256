import type { StagingProvider } from '../data/staging.js';
import type { BashOptions } from '../execute/task-wire.js';
import type { Logger } from '../logging.js';
import type { FunctionDescriptor } from '../serialize/function-ref.js';

export type { BashOptions, StdStream } from '../execute/task-wire.js';

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
}

export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: Error };

/** Called exactly once per submitted task, never synchronously from inside `submit`. */
export type TaskDone = (outcome: TaskOutcome) => void;

export interface ExecutorContext {
  readonly runDir: string;
  readonly runId: string;
  readonly logger: Logger;
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
