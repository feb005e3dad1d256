/**
 * How many tasks a worker may hold (the one it runs plus those queued behind it), from the time tasks take:
 * short tasks stream, hundreds in flight per worker, while long tasks stay one running plus one queued so load
 * stays balanced. The HTEX worker pool and the MPI dispatchers (ExtremeScale, in-allocation) size their
 * pipelines with it from the busy time their workers report with each batch of results.
 *
 * The time per task is the median over the last few batches, so one batch stretched by something other than
 * its tasks (a garbage collection, or the worker losing its core for a time slice on a busy node) does not
 * shrink every pipeline at once. At no-op rates such a stretch made a batch of 20 tasks look 20 times slower,
 * and the pipelines collapsed often enough to cut a flood's throughput by a tenth or more. A batch that was busy
 * SWITCH_MS or longer is taken at once: tasks really got longer, and queues sized for short ones must not
 * strand hundreds of them behind one worker while another idles.
 */

/** Batches the median is taken over (odd). */
export const WINDOW = 7;
/** A batch busy this long (ms) sets the time per task at once: longer than a time slice or a young-generation GC. */
export const SWITCH_MS = 10;

export class PipelineDepth {
  readonly #budgetMs: number;
  readonly #max: number;
  /** Time per task of the last WINDOW batches, oldest first; empty until the first batch. */
  #recent: number[] = [];
  readonly #sorted = new Array<number>(WINDOW);
  #depth: number;

  /**
   * `budgetMs`: the estimated work a worker may hold queued behind its running task (0: one task per worker);
   * `max`: the most tasks queued behind it.
   */
  constructor(budgetMs: number, max: number) {
    this.#budgetMs = budgetMs;
    this.#max = max;
    // Before any result: one queued task, so a worker never waits a round trip between two tasks.
    this.#depth = budgetMs <= 0 ? 1 : 2;
  }

  /** Tasks one worker may hold, running and queued. */
  get depth(): number {
    return this.#depth;
  }

  /** The time per task the depth is based on (ms), null before the first batch. */
  get taskMs(): number | null {
    if (this.#recent.length === 0) return null;
    const s = this.#sorted;
    for (let i = 0; i < WINDOW; i++) s[i] = this.#recent[i]!;
    s.sort((a, b) => a - b);
    return s[WINDOW >> 1]!;
  }

  /** A batch of `count` results came back from a worker that was busy `busyMs` running them; the new depth. */
  record(busyMs: number, count: number): number {
    if (count <= 0 || this.#budgetMs <= 0) return this.#depth;
    const perTask = busyMs / count;
    if (busyMs >= SWITCH_MS || this.#recent.length === 0)
      this.#recent = new Array<number>(WINDOW).fill(perTask);
    else {
      this.#recent.shift();
      this.#recent.push(perTask);
    }
    const ms = this.taskMs!;
    this.#depth = 1 + Math.max(1, Math.min(this.#max, Math.floor(this.#budgetMs / Math.max(ms, 1e-6))));
    return this.#depth;
  }
}
