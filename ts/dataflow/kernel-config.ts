import type { Executor } from '../executors/base.js';
import type { KernelObserverStarter } from './observer.js';

/**
 * What the kernel reads from a configuration. `Config` (built and checked from the user's options) is one;
 * the kernel never imports it, so the configuration may name concrete executors and strategies while the
 * kernel knows only the executor interface.
 */
export interface KernelConfig {
  readonly executors: readonly Executor[];
  /** Retries per task after its first failure. */
  readonly retries: number;
  readonly retryHandler: RetryHandler | null;
  /** Global switch for app caching (memoization). */
  readonly appCache: boolean;
  readonly checkpointMode: CheckpointMode | null;
  /** 'HH:MM:SS', with checkpointMode 'periodic'. */
  readonly checkpointPeriod: string | null;
  /** Checkpoint directories to load. */
  readonly checkpointFiles: readonly string[] | null;
  /** Base of the numbered run directories. */
  readonly runDir: string;
  /** Write `<runDir>/NNN/parsl.log`. */
  readonly initializeLogging: boolean;
  /** Forget finished tasks' records (futures keep their results). */
  readonly garbageCollect: boolean;
  /** Monitoring (a MonitoringHub), started before the executors. */
  readonly monitoring?: KernelObserverStarter | null;
}

export const CHECKPOINT_MODES = ['task_exit', 'periodic', 'dfk_exit', 'manual'] as const;
export type CheckpointMode = (typeof CHECKPOINT_MODES)[number];

/** `retryHandler(error, task)` returns the cost of this failure; the task retries while the total ≤ `retries`. */
export type RetryHandler = (error: Error, task: TaskInfo) => number;

/** The read-only view of a task given to a `retryHandler`. */
export interface TaskInfo {
  readonly id: number;
  readonly appName: string;
  readonly args: readonly unknown[];
  readonly failCount: number;
  readonly failCost: number;
  readonly failHistory: readonly string[];
  readonly tryId: number;
  readonly executorLabel: string | null;
  readonly resourceSpecification: Readonly<Record<string, unknown>>;
}
