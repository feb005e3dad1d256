import { processState } from '../../../execute/proc-state.js';

/**
 * Finds workers that are stopped (SIGSTOP, a debugger, a frozen cgroup). A worker running a long synchronous task
 * cannot answer a heartbeat either, so silence cannot tell the two apart; the kernel's view of the process can:
 * state `T`/`t` in /proc/<pid>/stat. A worker stopped for `thresholdMs` across checks is reported once; the pool
 * then kills and replaces it and its task fails with WorkerLost (retried per `retries`). Where there is no /proc,
 * nothing is ever reported.
 */
export class StoppedWatch<W> {
  readonly #since = new Map<W, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    periodMs: number,
    private readonly thresholdMs: number,
    private readonly workers: () => Iterable<{ readonly worker: W; readonly pid: number | undefined }>,
    private readonly onStopped: (worker: W, stoppedMs: number) => void,
  ) {
    this.#timer = setInterval(() => this.#check(), periodMs);
    this.#timer.unref();
  }

  #check(): void {
    const now = Date.now();
    const seen = new Set<W>();
    for (const { worker, pid } of this.workers()) {
      if (pid === undefined || !isStopped(pid)) continue;
      seen.add(worker);
      const since = this.#since.get(worker) ?? now;
      this.#since.set(worker, since);
      if (now - since >= this.thresholdMs) {
        this.#since.delete(worker);
        this.onStopped(worker, now - since);
      }
    }
    for (const w of this.#since.keys()) if (!seen.has(w)) this.#since.delete(w);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#since.clear();
  }
}

/** Whether `pid` is stopped (or traced-stopped); false when it is gone or /proc cannot tell. */
export function isStopped(pid: number): boolean {
  const state = processState(pid);
  return state === 'T' || state === 't';
}
