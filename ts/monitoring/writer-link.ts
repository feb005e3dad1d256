import { Worker } from 'node:worker_threads';
import { getLogger } from '../logging.js';
import { MonitoringDatabaseError } from './errors.js';
import {
  batchSize,
  emptyBatch,
  type FromWriter,
  type RowBatch,
  type ToWriter,
  type WriterInit,
} from './rows.js';
import { EventBuffer } from './task-events.js';

const log = getLogger('parsl.monitoring');

/** Buffered rows are sent once a chunk of task events is full, or FLUSH_MS after the first. */
const FLUSH_MS = 100;
/** Rare rows (nodes, blocks, workflow) never wait for a full chunk, but a flood of them is sent in parts. */
const FLUSH_VALUES = 64 * 1024;

/**
 * The kernel side of the writer thread. Task state changes go into an {@link EventBuffer}, the rare rows into
 * a {@link RowBatch}; both are sent when the buffer is full or FLUSH_MS old (no timer runs while nothing is
 * buffered, so idle monitoring costs nothing). If the thread dies, the workflow goes on: the loss is logged
 * once and rows are dropped from then on.
 */
export class WriterLink {
  readonly #worker: Worker;
  readonly #path: string;
  #batch: RowBatch;
  readonly #events = new EventBuffer();
  #timer: NodeJS.Timeout | null = null;
  #dead = false;
  /** The writer answered 'closed': its exit is expected. */
  #finished = false;
  #closed: Promise<number> | null = null;
  #onClosed: ((rows: number) => void) | null = null;

  readonly #counters: Int32Array;

  private constructor(worker: Worker, path: string, runId: string, counters: Int32Array) {
    this.#counters = counters;
    this.#worker = worker;
    this.#path = path;
    this.#batch = emptyBatch(runId);
  }

  /** Start the writer on `path`; rejects with MonitoringDatabaseError when the database cannot be written. */
  static start(path: string, runId: string, samplingInterval: number): Promise<WriterLink> {
    const init: WriterInit = { path, samplingInterval, counters: new SharedArrayBuffer(4) };
    const worker = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData: init });
    return new Promise((resolve, reject) => {
      const fail = (why: string) =>
        reject(
          new MonitoringDatabaseError(
            `MonitoringHub.loggingEndpoint: cannot write the monitoring database ${path}: ${why}`,
          ),
        );
      worker.once('error', (e) => fail(e.message));
      worker.once('exit', (code) => fail(`the writer exited with code ${code}`));
      worker.once('message', (m: FromWriter) => {
        worker.removeAllListeners();
        if (m.type !== 'ready') {
          fail(m.type === 'failed' ? m.message : `unexpected '${m.type}'`);
          void worker.terminate();
          return;
        }
        const link = new WriterLink(worker, path, runId, new Int32Array(init.counters));
        link.#watch();
        resolve(link);
      });
    });
  }

  /** The batch being filled with rare rows; call {@link rowsAdded} after adding to it. */
  get batch(): RowBatch {
    return this.#batch;
  }

  /** The task events being filled; call {@link eventAdded} after each. */
  get events(): EventBuffer {
    return this.#events;
  }

  get alive(): boolean {
    return !this.#dead;
  }

  /** The worker thread, for tests that kill it. */
  get thread(): Worker {
    return this.#worker;
  }

  rowsAdded(): void {
    if (this.#dead) {
      this.#batch = emptyBatch(this.#batch.runId);
      return;
    }
    if (batchSize(this.#batch) >= FLUSH_VALUES) this.flush();
    else this.#arm();
  }

  eventAdded(): void {
    if (this.#events.full) this.flush();
    else if (this.#timer === null) this.#arm();
  }

  #arm(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const b = this.#batch;
    this.#batch = emptyBatch(b.runId);
    const events = this.#events.take();
    if (this.#dead) return;
    if (events === null && batchSize(b) === 0 && b.workflowStart === null && b.workflowEnd === null) return;
    this.#send({ type: 'rows', batch: b, events }, events === null ? [] : [events.events.buffer]);
  }

  /** Send what is buffered, let the writer finish and close; resolves to the rows it wrote (0 if it died). */
  close(): Promise<number> {
    if (this.#closed !== null) return this.#closed;
    this.flush();
    if (this.#dead) {
      this.#closed = Promise.resolve(0);
      return this.#closed;
    }
    this.#closed = new Promise<number>((resolve) => {
      this.#onClosed = resolve;
      this.#send({ type: 'close' });
    });
    return this.#closed;
  }

  #send(m: ToWriter, transfer: ArrayBuffer[] = []): void {
    try {
      this.#worker.postMessage(m, transfer);
    } catch (e) {
      this.#die(`a batch could not be sent: ${(e as Error).message}`);
    }
  }

  /** How often the writer found the database locked by another connection and retried a batch. */
  get busyRetries(): number {
    return Atomics.load(this.#counters, 0);
  }

  #watch(): void {
    this.#worker.on('message', (m: FromWriter) => {
      if (m.type === 'busy') {
        log.warning(`the monitoring database ${this.#path} is locked by another connection; retrying`);
        return;
      }
      if (m.type !== 'closed') return;
      this.#finished = true;
      this.#onClosed?.(m.rows);
      this.#onClosed = null;
      void this.#worker.terminate();
    });
    this.#worker.on('error', (e) => this.#die(e.message));
    this.#worker.on('exit', (code) => {
      if (!this.#finished) this.#die(`it exited with code ${code}`);
    });
  }

  #die(why: string): void {
    this.#onClosed?.(0);
    this.#onClosed = null;
    if (this.#dead) return;
    this.#dead = true;
    log.error(
      `the monitoring writer for ${this.#path} stopped (${why}); the workflow goes on without monitoring: rows from now on are not recorded`,
    );
  }
}
