/**
 * How many tasks a thread may hold. Tiny tasks go out in large batches (a postMessage costs far more than a
 * no-op); long tasks go out one at a time so no thread hoards work another thread could start now.
 *
 * The estimate is a moving average of thread occupancy per task, reported by the workers with each result batch.
 */
export class DispatchWindow {
  /** Work per batch worth one message round trip and more. */
  static readonly TARGET_BATCH_MS = 2;
  static readonly MAX_BATCH = 256;
  /** Tasks longer than this are never prefetched: the round trip is negligible next to them. */
  static readonly PREFETCH_LIMIT_MS = 50;
  static readonly ALPHA = 0.25;

  #avgMs: number | null = null;

  /** Feed one result batch: `busyMs` of thread time for `count` tasks. */
  observe(busyMs: number, count: number): void {
    if (count === 0 || !(busyMs >= 0)) return;
    const sample = busyMs / count;
    this.#avgMs = this.#avgMs === null ? sample : this.#avgMs + DispatchWindow.ALPHA * (sample - this.#avgMs);
  }

  /** Tasks per message. Unknown duration → 1, the safe choice for long tasks. */
  batchSize(): number {
    if (this.#avgMs === null) return 1;
    const n = Math.ceil(DispatchWindow.TARGET_BATCH_MS / Math.max(this.#avgMs, 1e-6));
    return Math.min(DispatchWindow.MAX_BATCH, Math.max(1, n));
  }

  /** Tasks a thread may hold (running plus waiting): two batches keep it busy across a round trip. */
  perThread(): number {
    const b = this.batchSize();
    return this.#avgMs !== null && this.#avgMs < DispatchWindow.PREFETCH_LIMIT_MS ? 2 * b : b;
  }

  get averageTaskMs(): number | null {
    return this.#avgMs;
  }
}
