import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sampleProcessTree } from './resource-sampler.js';
import type { ResourceSample, ResultWire, TaskWire, WorkerReport } from './task-wire.js';

const HOST = hostname();
/** Set by the HTEX manager for its workers, so tries name the block they ran in. */
const BLOCK_ID = process.env.PARSL_WORKER_BLOCK_ID || null;
/** Wall time with sub-millisecond resolution, so a fast task's start and end stay ordered. */
const TIME_ORIGIN = performance.timeOrigin;
const now = () => TIME_ORIGIN + performance.now();

/**
 * Watches one monitored task on its worker: its start and end times, and with sampling on, resource samples
 * of the worker's process tree. The report rides back with the result; no other channel is used.
 *
 * Sampling is per worker, not per task: the worker's tree is read at most about once per interval, whatever
 * the task rate (Parsl's per-task monitor would read it twice per task, which at thousands of short tasks per
 * second costs more than the tasks). A task gets:
 * - a sample each interval while its worker's event loop is free (async and bash tasks);
 * - an end sample if it ran for an interval or longer, or if the worker's last sample is an interval old
 *   (so a worker's first task always has one, and a run of short tasks one per interval).
 */
export class TaskWatch {
  readonly #started = now();
  readonly #samples: ResourceSample[] | null;
  readonly #sampler: WorkerSampler | null;

  constructor(intervalSeconds: number, sampler: WorkerSampler = workerSampler) {
    this.#samples = intervalSeconds >= 0 ? [] : null;
    this.#sampler = this.#samples === null ? null : sampler;
    this.#sampler?.begin(this.#samples!, intervalSeconds * 1000);
  }

  /** The result with this task's report attached. */
  finish(r: ResultWire): ResultWire {
    const ended = now();
    this.#sampler?.end(this.#samples!);
    const worker: WorkerReport = {
      started: this.#started,
      ended,
      hostname: HOST,
      blockId: BLOCK_ID,
      samples: this.#samples,
    };
    r.worker = worker;
    return r;
  }
}

/**
 * The sampling state of one worker (one per process or thread): when its tree was last read, and the samples
 * of the task it runs. One timer serves every task; it stops when it finds the worker idle and the next task
 * restarts it, so short synchronous tasks (during which it cannot fire) cost one timer per interval, not per
 * task.
 */
export class WorkerSampler {
  #last = Number.NEGATIVE_INFINITY;
  #begun = 0;
  #intervalMs = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Where the running task's samples go; null between tasks. */
  #current: ResourceSample[] | null = null;

  constructor(
    private readonly sample: () => ResourceSample = sampleProcessTree,
    private readonly clock: () => number = Date.now,
  ) {}

  begin(samples: ResourceSample[], intervalMs: number): void {
    this.#current = samples;
    this.#begun = this.clock();
    if (this.#timer !== null && intervalMs === this.#intervalMs) return;
    this.#stop();
    this.#intervalMs = intervalMs;
    if (intervalMs === 0) return; // each task's end only
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  end(samples: ResourceSample[]): void {
    this.#current = null;
    const t = this.clock();
    if (t - this.#begun >= this.#intervalMs || t - this.#last >= this.#intervalMs) this.#take(samples);
  }

  #tick(): void {
    if (this.#current === null) this.#stop();
    else if (this.clock() - this.#last >= this.#intervalMs / 2) this.#take(this.#current);
  }

  #take(into: ResourceSample[]): void {
    into.push(this.sample());
    this.#last = this.clock();
  }

  #stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

const workerSampler = new WorkerSampler();

/** A watch for a monitored task, null for the rest (the common, unmonitored case costs one comparison). */
export function watchTask(t: TaskWire): TaskWatch | null {
  return t.monitor === undefined ? null : new TaskWatch(t.monitor);
}

/** The report of a task that ran on a thread of the kernel's process (no samples: the process is the kernel's). */
export function threadReport(started: number, ended: number): WorkerReport {
  return { started, ended, hostname: HOST, blockId: null, samples: null };
}

/** The report of a task that ran in the kernel's own process (no samples: the kernel is not the task's). */
export function localReport(started: number): WorkerReport {
  return { started, ended: now(), hostname: HOST, blockId: null, samples: null };
}
