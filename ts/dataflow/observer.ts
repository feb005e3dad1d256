import type { Executor, ExecutorMonitor, WorkerReport } from '../executors/base.js';
import type { Dependencies } from './dependencies.js';
import type { AppFuture } from './future.js';
import type { TaskState } from './states.js';

/** What an observer may read of a task (the kernel's TaskRecord). */
export interface ObservedTask {
  readonly id: number;
  readonly app: { readonly name: string; readonly kind: string; readonly cache: boolean };
  readonly state: TaskState;
  readonly tryId: number;
  readonly failCount: number;
  readonly failCost: number;
  readonly failures: readonly string[] | null;
  readonly executor: { readonly label: string } | null;
  readonly fromMemo: boolean;
  /** The task's dependencies, until it launches. */
  readonly deps: Dependencies | null;
  readonly timeInvoked: number;
  readonly timeReturned: number | null;
  readonly hashsum: string | null;
  readonly future: AppFuture<unknown>;
}

/**
 * What watches the kernel without steering it (monitoring). The kernel calls it synchronously on every task
 * state change, after updating the record, so an observer must be cheap: it copies what it needs and returns.
 */
export interface KernelObserver {
  /**
   * `task` has just entered `task.state`. `worker` is what the worker reported with this try's result (its
   * start and end times, resource samples), when the executor brought one back. `previous` is the state it
   * left; null when the task was just submitted.
   */
  taskState(task: ObservedTask, worker: WorkerReport | null, previous: TaskState | null): void;
  /**
   * What workers should report with results: `null` nothing, else their times and a resource sampling
   * interval in seconds (0: one sample at each task's end; -1: no sampling).
   */
  readonly workerSampling: number | null;
  /** Handed to executors at start, for their nodes and blocks. */
  readonly executorMonitor: ExecutorMonitor;
  /** The kernel is done; `counts` are its tasks per final state. Never throws. */
  close(counts: { readonly completed: number; readonly failed: number }): Promise<void>;
}

/** Where an observer starts: the run it watches. */
export interface ObservedRun {
  readonly runId: string;
  readonly runDir: string;
  /** The base run directory (`Config.runDir`), where a shared database lives by default. */
  readonly runDirBase: string;
  readonly executors: readonly Executor[];
}

/** A configuration's monitoring (`Config.monitoring`): starts an observer for one run. */
export interface KernelObserverStarter {
  start(run: ObservedRun): Promise<KernelObserver>;
}

/**
 * A light watcher of task states (`DataFlowKernel.watchTasks`), such as the `parsl-ts run` progress display.
 * Called synchronously after every state change, so it must be cheap.
 */
export interface TaskStateWatcher {
  /** `task` has just entered `task.state`; `previous` is null when it was just submitted. */
  taskState(task: ObservedTask, previous: TaskState | null): void;
  /** The kernel's cleanup is complete: no state changes follow. */
  closed?(): void;
}
