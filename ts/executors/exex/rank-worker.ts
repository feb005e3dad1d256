import { performance } from 'node:perf_hooks';
import { runTask } from '../../execute/task-runner.js';
import type { ResultWire } from '../../execute/task-wire.js';
import type { Communicator, MPIMessage } from '../../mpi/communicator.js';
import { FunctionLoadError, SerializationError } from '../../serialize/errors.js';
import { type FunctionDescriptor, FunctionLoader } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { decodeTaskBody, encodeResultBody } from '../htex/task-codec.js';
import {
  decodeFunctions,
  decodeTaskData,
  guarded,
  helloPayload,
  parseTaskBatch,
  ResultBatch,
  Tag,
  type TaskEntry,
} from './protocol.js';

/** A batch of results closes when the local queue empties, before an async task, or after this long. */
const FLUSH_AFTER_MS = 2;

/** Exit code of a rank that aborts the MPI job because its parent stopped answering. */
export const PARENT_SILENT_CODE = 3;

/**
 * A worker rank: runs the tasks its parent sends, one at a time in arrival order, and returns results in
 * batches. It ends when told to stop, or aborts the whole MPI job when its parent falls silent (a hung rank 0
 * must not leave the allocation's ranks behind) — decided by the progress thread, so even a rank whose JS
 * thread is stuck in a task goes.
 */
export class RankWorker {
  readonly #comm: Communicator;
  readonly #parent: number;
  readonly #hungRankThresholdMs: number;
  readonly #loader = new FunctionLoader();
  readonly #functions = new Map<string, FunctionDescriptor>();
  #queue: TaskEntry[] = [];
  #head = 0;
  #running = false;
  #out = new ResultBatch();
  #busySince = 0;
  #lastFlush = performance.now();
  #done: (code: number) => void = () => {};

  constructor(comm: Communicator, parent: number, hungRankThresholdMs: number) {
    this.#comm = comm;
    this.#parent = parent;
    this.#hungRankThresholdMs = hungRankThresholdMs;
  }

  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    this.#comm.watch(this.#parent, { thresholdMs: this.#hungRankThresholdMs, abortCode: PARENT_SILENT_CODE });
    this.#comm.send(this.#parent, helloPayload(this.#comm.processorName), Tag.HELLO);
    this.#comm.on('message', (m) => guarded(this.#comm.rank, () => this.#onMessage(m)));
    return finished;
  }

  #onMessage(m: MPIMessage): void {
    if (m.source !== this.#parent) return;
    switch (m.tag) {
      case Tag.TASKS:
        // Views into the delivery, which is this message's alone once delivered (the addon never reuses it).
        for (const t of parseTaskBatch(m.data)) this.#queue.push(t);
        if (!this.#running) this.#pump();
        return;
      case Tag.FUNCTIONS:
        for (const d of decodeFunctions(m.data)) {
          this.#functions.set(d.id, d);
          try {
            if (d.kind === 'source' && d.source !== null) this.#loader.compile(d);
          } catch {
            // The task that uses it fails with the compile error when it runs.
          }
        }
        return;
      case Tag.STOP:
        this.#comm.unwatch(this.#parent);
        this.#done(0);
        return;
      default:
        return;
    }
  }

  #pump(): void {
    if (!this.#running) {
      this.#running = true;
      this.#busySince = performance.now();
    }
    while (this.#head < this.#queue.length) {
      const t = this.#queue[this.#head++]!;
      const r = this.#start(t);
      if (r instanceof Promise) {
        this.#flush();
        r.then((res) => {
          this.#collect(t.id, res);
          this.#pump();
        });
        return;
      }
      this.#collect(t.id, r);
      if (performance.now() - this.#lastFlush > FLUSH_AFTER_MS) this.#flush();
    }
    this.#queue = [];
    this.#head = 0;
    this.#running = false;
    this.#flush();
  }

  #start(t: TaskEntry): ResultWire | Promise<ResultWire> {
    try {
      const { fnId, body } = decodeTaskData(t.data);
      const fn = this.#functions.get(fnId);
      if (fn === undefined) {
        const err = new FunctionLoadError(`function ${fnId} never reached MPI rank ${this.#comm.rank}`);
        return { id: t.id, ok: false, error: toRemoteError(err) };
      }
      return runTask(decodeTaskBody(t.id, fn, body), this.#loader);
    } catch (e) {
      const err = new SerializationError(`task ${t.id} could not be decoded on MPI rank ${this.#comm.rank}`, {
        cause: e,
      });
      return { id: t.id, ok: false, error: toRemoteError(err) };
    }
  }

  #collect(id: number, r: ResultWire): void {
    let body: Buffer;
    try {
      body = encodeResultBody(r);
    } catch (e) {
      const err = new SerializationError(
        `the result of task ${id} cannot be sent back (${(e as Error).message}); return plain data`,
      );
      body = encodeResultBody({ id, ok: false, error: toRemoteError(err) });
    }
    this.#out.add(id, body);
  }

  #flush(): void {
    const now = performance.now();
    this.#out.busyMs += now - this.#busySince;
    this.#busySince = now;
    this.#lastFlush = now;
    if (this.#out.size === 0) return;
    this.#comm.send(this.#parent, this.#out.take(), Tag.RESULTS);
  }
}
