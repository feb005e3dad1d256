import type { ObservedTask, TaskStateWatcher } from '../../dataflow/observer.js';
import { FINAL_FAILURE_STATES, FINAL_STATES, type TaskState } from '../../dataflow/states.js';

/** Where a task is counted before an executor is chosen for it. */
export const UNASSIGNED = '(not launched)';

/** One executor's tasks per state (`UNASSIGNED` for tasks no executor took yet). */
export type StateCounts = Map<TaskState, number>;

/**
 * Tasks per executor and state, kept up to date from the kernel's state changes (one map update per change,
 * never a scan of the tasks). It remembers the executor of open tasks only, so a task that moves from waiting
 * to an executor, or to another executor on a retry, leaves its old bucket.
 */
export class ProgressTally implements TaskStateWatcher {
  readonly #byExecutor = new Map<string, StateCounts>();
  readonly #bucketOf = new Map<number, string>();
  readonly #onClosed: () => void;
  #submitted = 0;
  #finished = 0;
  #failed = 0;

  constructor(onClosed: () => void = () => {}) {
    this.#onClosed = onClosed;
  }

  taskState(task: ObservedTask, previous: TaskState | null): void {
    const from = this.#bucketOf.get(task.id) ?? UNASSIGNED;
    if (previous === null) this.#submitted++;
    else this.#add(from, previous, -1);
    const to = task.executor?.label ?? from;
    this.#add(to, task.state, 1);
    if (FINAL_STATES.has(task.state)) {
      this.#bucketOf.delete(task.id);
      this.#finished++;
      if (FINAL_FAILURE_STATES.has(task.state)) this.#failed++;
    } else if (to !== UNASSIGNED) {
      this.#bucketOf.set(task.id, to);
    }
  }

  closed(): void {
    this.#onClosed();
  }

  get submitted(): number {
    return this.#submitted;
  }

  /** Tasks in a final state (done, memo done, failed, dependency failed). */
  get finished(): number {
    return this.#finished;
  }

  get failed(): number {
    return this.#failed;
  }

  /** Executor label → counts per state, executors in first-seen order. */
  get byExecutor(): ReadonlyMap<string, ReadonlyMap<TaskState, number>> {
    return this.#byExecutor;
  }

  /** Counts per state over every executor. */
  totals(): Map<TaskState, number> {
    const out = new Map<TaskState, number>();
    for (const counts of this.#byExecutor.values())
      for (const [s, n] of counts) out.set(s, (out.get(s) ?? 0) + n);
    return out;
  }

  #add(bucket: string, s: TaskState, d: number): void {
    let counts = this.#byExecutor.get(bucket);
    if (counts === undefined) {
      counts = new Map();
      this.#byExecutor.set(bucket, counts);
    }
    const n = (counts.get(s) ?? 0) + d;
    if (n === 0) counts.delete(s);
    else counts.set(s, n);
  }
}
