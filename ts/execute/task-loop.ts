import { performance } from 'node:perf_hooks';
import type { FunctionLoader } from '../serialize/function-ref.js';
import { toRemoteError } from '../serialize/remote-error.js';
import { runTask } from './task-runner.js';
import type { ResultWire, TaskWire } from './task-wire.js';
import { watchTask } from './worker-report.js';

/**
 * A batch of results closes when the queue empties, before waiting on an async task, and (where the sender does
 * not size batches by duration itself) once it is this old.
 */
export const FLUSH_AFTER_MS = 2;

/**
 * What a worker's transport does for the loop. Calls come in order: `collect` once per task, in queue order,
 * then `deliver` for everything collected since the last delivery.
 */
export interface TaskLoopPort {
  /**
   * The task as it may start now, or null when it must be skipped (the sender took it back). Called right
   * before the task would start; optional.
   */
  claim?(task: TaskWire): TaskWire | null;
  /** Add one result to the batch being built. `task` is null for a failure queued without a task. */
  collect(result: ResultWire, task: TaskWire | null): void;
  /** Send the batch built since the last delivery; `busyMs` is the time spent running it. */
  deliver(busyMs: number): void;
  /**
   * A task with a walltime starts now; every earlier result has been delivered. Ports of hosts that can
   * kill the worker report it so the host can arm its backstop (see `walltime.ts`).
   */
  started?(task: TaskWire, walltimeMs: number): void;
}

/**
 * The loop every worker runs (a pool thread, an HTEX worker process, an MPI rank): tasks run one at a time in
 * arrival order, synchronous ones back to back without a promise each; results go back in batches; the time
 * spent running is measured for the sender's pipelining. An async task holds the loop until it settles.
 */
export class TaskLoop {
  readonly #port: TaskLoopPort;
  readonly #loader: FunctionLoader;
  #queue: Array<TaskWire | ResultWire> = [];
  #head = 0;
  #running = false;
  #collected = 0;
  #busySince = 0;
  #busyMs = 0;
  #lastFlush = performance.now();
  readonly #flushAfterMs: number;
  /** Functions that have returned here at least once (see #run), and the last one (a cheap check per task). */
  readonly #returned = new Set<string>();
  #lastReturned = '';

  /**
   * `flushAfterMs`: how old a batch may grow while tasks run back to back; Infinity when the sender already
   * sizes each batch by the tasks' duration (it then saves a clock reading per task, a few percent of a no-op).
   */
  constructor(port: TaskLoopPort, loader: FunctionLoader, flushAfterMs = FLUSH_AFTER_MS) {
    this.#port = port;
    this.#loader = loader;
    this.#flushAfterMs = flushAfterMs;
  }

  /** Queue a task, or a failure to report in its place (a task that could not even be decoded). */
  push(item: TaskWire | ResultWire): void {
    this.#queue.push(item);
  }

  /** Run what is queued, unless the loop is already running (it then gets to the new tasks itself). */
  pump(): void {
    if (!this.#running) this.#run();
  }

  /** Deliver the results collected so far (before a walltime report, an async wait, or the process exit). */
  flush(): void {
    const now = performance.now();
    if (this.#running) {
      this.#busyMs += now - this.#busySince;
      this.#busySince = now;
    }
    this.#lastFlush = now;
    if (this.#collected === 0) return;
    const busyMs = this.#busyMs;
    this.#busyMs = 0;
    this.#collected = 0;
    this.#port.deliver(busyMs);
  }

  #run(): void {
    if (!this.#running) {
      this.#running = true;
      this.#busySince = performance.now();
    }
    const port = this.#port;
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++]!;
      if (isResult(item)) {
        this.#collect(item, null);
        continue;
      }
      const task = port.claim === undefined ? item : port.claim(item);
      if (task === null) continue;
      if (task.walltimeMs !== null && port.started !== undefined) {
        this.flush();
        port.started(task, task.walltimeMs);
      } else if (
        this.#collected !== 0 &&
        task.fn.id !== this.#lastReturned &&
        !this.#returned.has(task.fn.id)
      ) {
        // A function never seen to return may block this worker for good: results already collected must not
        // wait behind it (the sender counts their tasks as running, so nobody else could deliver them).
        this.flush();
      }
      const watch = task.monitor === undefined ? null : watchTask(task);
      let r: ResultWire | Promise<ResultWire>;
      try {
        r = runTask(task, this.#loader);
      } catch (e) {
        // The runner reports the app's own errors; this is a task it could not even start (its arguments).
        r = { id: task.id, ok: false, error: toRemoteError(e) };
      }
      if (r instanceof Promise) {
        this.flush();
        this.#compact();
        r.then(
          (res) => this.#resume(watch === null ? res : watch.finish(res), task),
          (e: unknown) => {
            const failed: ResultWire = { id: task.id, ok: false, error: toRemoteError(e) };
            this.#resume(watch === null ? failed : watch.finish(failed), task);
          },
        );
        return;
      }
      this.#noteReturned(task);
      this.#collect(watch === null ? r : watch.finish(r), task);
      if (this.#flushAfterMs !== Infinity && performance.now() - this.#lastFlush > this.#flushAfterMs)
        this.flush();
    }
    this.#queue = [];
    this.#head = 0;
    this.flush();
    this.#running = false;
  }

  #resume(r: ResultWire, task: TaskWire): void {
    this.#noteReturned(task);
    this.#collect(r, task);
    this.#run();
  }

  #noteReturned(task: TaskWire): void {
    if (task.fn.id === this.#lastReturned) return;
    this.#lastReturned = task.fn.id;
    this.#returned.add(task.fn.id);
  }

  /** Drop tasks already taken while an async task waits, so a queue that never empties does not grow. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #collect(r: ResultWire, task: TaskWire | null): void {
    this.#collected++;
    this.#port.collect(r, task);
  }
}

function isResult(item: TaskWire | ResultWire): item is ResultWire {
  return typeof (item as ResultWire).ok === 'boolean';
}
