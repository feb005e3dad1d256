import type { ObservedTask, TaskStateWatcher } from '../../dataflow/observer.js';
import { FINAL_FAILURE_STATES, FINAL_STATES, TaskState } from '../../dataflow/states.js';

/** Where tasks that never had an executor are counted (memo hits, dependency failures). */
export const UNASSIGNED = '(no executor)';

/**
 * Tasks per executor and state, kept up to date from the kernel's state changes: a few array updates per change,
 * never a scan of the tasks. Pending tasks (waiting for dependencies) are counted once, not per executor: the
 * executor is chosen when a task launches. A task keeps its executor from launch to its next state, except after
 * `fail_retryable`, when a retry may launch it elsewhere; only such tasks are remembered.
 */
export class ProgressTally implements TaskStateWatcher {
  /** Executor label → tasks per TaskState number. */
  readonly #byExecutor = new Map<string, Float64Array>();
  readonly #retrying = new Map<number, string>();
  readonly #onClosed: () => void;
  #submitted = 0;
  #pending = 0;
  #finished = 0;
  #failed = 0;

  constructor(onClosed: () => void = () => {}) {
    this.#onClosed = onClosed;
  }

  taskState(task: ObservedTask, previous: TaskState | null): void {
    const label = task.executor?.label ?? UNASSIGNED;
    if (previous === null) this.#submitted++;
    else if (previous === TaskState.pending) this.#pending--;
    else if (previous === TaskState.fail_retryable) {
      this.#bucket(this.#retrying.get(task.id) ?? label)[previous]--;
      this.#retrying.delete(task.id);
    } else this.#bucket(label)[previous]--;

    const s = task.state;
    if (s === TaskState.pending) this.#pending++;
    else {
      this.#bucket(label)[s]++;
      if (s === TaskState.fail_retryable) this.#retrying.set(task.id, label);
      else if (FINAL_STATES.has(s)) {
        this.#finished++;
        if (FINAL_FAILURE_STATES.has(s)) this.#failed++;
      }
    }
  }

  closed(): void {
    this.#onClosed();
  }

  get submitted(): number {
    return this.#submitted;
  }

  /** Tasks waiting for their dependencies (or for the kernel to launch them). */
  get pending(): number {
    return this.#pending;
  }

  /** Tasks in a final state (done, memo done, failed, dependency failed). */
  get finished(): number {
    return this.#finished;
  }

  get failed(): number {
    return this.#failed;
  }

  /** Executor label → its tasks per state (states with none left out), executors in first-seen order. */
  byExecutor(): Map<string, Map<TaskState, number>> {
    const out = new Map<string, Map<TaskState, number>>();
    for (const [label, counts] of this.#byExecutor) {
      const states = new Map<TaskState, number>();
      counts.forEach((n, s) => {
        if (n !== 0) states.set(s, n);
      });
      out.set(label, states);
    }
    return out;
  }

  #bucket(label: string): Float64Array {
    let counts = this.#byExecutor.get(label);
    if (counts === undefined) {
      counts = new Float64Array(16);
      this.#byExecutor.set(label, counts);
    }
    return counts;
  }
}
