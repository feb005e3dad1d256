import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sampleProcessTree } from './resource-sampler.js';
import type { ResourceSample, ResultWire, TaskWire, WorkerReport } from './task-wire.js';

const HOST = hostname();
/** Set by the HTEX manager for its workers, so tries name the block they ran in. */
const BLOCK_ID = process.env.PARSL_WORKER_BLOCK_ID || null;
/** Wall time with sub-millisecond resolution, so a fast task's start and end stay ordered. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Watches one monitored task on its worker: its start and end times, and with sampling on, a resource sample
 * every interval (only while the worker's event loop is free, i.e. during async and bash tasks) and one at the
 * end. The report rides back with the result; no other channel is used.
 */
export class TaskWatch {
  readonly #started = now();
  readonly #samples: ResourceSample[] | null;
  readonly #timer: NodeJS.Timeout | null = null;

  constructor(intervalSeconds: number) {
    this.#samples = intervalSeconds > 0 ? [] : null;
    if (this.#samples !== null) {
      const samples = this.#samples;
      this.#timer = setInterval(() => samples.push(sampleProcessTree()), intervalSeconds * 1000);
      this.#timer.unref();
    }
  }

  /** The result with this task's report attached. */
  finish(r: ResultWire): ResultWire {
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#samples !== null) this.#samples.push(sampleProcessTree());
    const worker: WorkerReport = {
      started: this.#started,
      ended: now(),
      hostname: HOST,
      blockId: BLOCK_ID,
      samples: this.#samples,
    };
    r.worker = worker;
    return r;
  }
}

/** A watch for a monitored task, null for the rest (the common, unmonitored case costs one comparison). */
export function watchTask(t: TaskWire): TaskWatch | null {
  return t.monitor === undefined ? null : new TaskWatch(t.monitor);
}

/** The report of a task that ran in the kernel's own process (no samples: the kernel is not the task's). */
export function localReport(started: number): WorkerReport {
  return { started, ended: now(), hostname: HOST, blockId: null, samples: null };
}
