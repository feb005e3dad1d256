import { deserialize, serialize } from 'node:v8';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';

/**
 * Messages between the ranks of one MPI worker pool (rank 0, sub-dispatchers, worker ranks), declared once.
 * The MPI tag says what a message is; payloads are little-endian binary so no rank decodes a task body it only
 * routes.
 *
 * - `TASKS`   parent → child: the dispatcher core's batch, `u32 magic | u32 count | count × (u64 id | u32 len | data)`,
 *             where each task's data is `u16 fnIdLength | fnId | task body` (the HTEX task body, untouched).
 * - `RESULTS` child → parent: `u32 count | f64 busyMs | count × (u64 id | u32 len | result body)`.
 * - `FUNCTIONS` parent → child: v8-serialized `FunctionDescriptor[]`, sent before the first task that uses them
 *             (MPI delivers in send order per source, so it always arrives first).
 * - `STOP`    parent → child (empty): finish, finalize and exit.
 * - `HELLO`   child → parent, once: `pid host` (utf8), named in the `WorkerLost` of a child that hangs.
 * - `LOST`    sub-dispatcher → rank 0: `count × u32 rank`, worker ranks it declared hung (rank 0 serves the
 *             relay with less capacity, and ends the pool with MPI_Abort since they cannot finalize).
 *
 * Liveness needs no message here: each parent watches its children, and each child its parent, through the
 * communicator's pings, which progress threads answer (see `Communicator.watch`).
 */
export const Tag = {
  TASKS: 1,
  RESULTS: 2,
  FUNCTIONS: 3,
  STOP: 5,
  HELLO: 6,
  LOST: 7,
} as const;

export function encodeRanks(ranks: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(4 * ranks.length);
  for (let i = 0; i < ranks.length; i++) b.writeUInt32LE(ranks[i]!, 4 * i);
  return b;
}

export function decodeRanks(payload: Buffer): number[] {
  return Array.from({ length: payload.length >>> 2 }, (_, i) => payload.readUInt32LE(4 * i));
}

/** The `HELLO` payload of this process. */
export function helloPayload(host: string): Buffer {
  return Buffer.from(`${process.pid} ${host}`);
}

export const BATCH_MAGIC = 0x31425450;
const TWO32 = 2 ** 32;

export interface TaskEntry {
  readonly id: number;
  /** `u16 fnIdLength | fnId | body`, a view into the batch. */
  readonly data: Buffer;
}

export function encodeTaskData(fnId: string, body: Buffer): Buffer {
  const n = Buffer.byteLength(fnId);
  const b = Buffer.allocUnsafe(2 + n + body.length);
  b.writeUInt16LE(n, 0);
  b.write(fnId, 2);
  body.copy(b, 2 + n);
  return b;
}

export function decodeTaskData(data: Buffer): { fnId: string; body: Buffer } {
  const n = data.readUInt16LE(0);
  return { fnId: data.toString('utf8', 2, 2 + n), body: data.subarray(2 + n) };
}

/** Split a dispatcher batch into its tasks (views, no copy). Throws on a malformed batch. */
export function parseTaskBatch(payload: Buffer): TaskEntry[] {
  if (payload.length < 8 || payload.readUInt32LE(0) !== BATCH_MAGIC) throw new Error('not a task batch');
  const count = payload.readUInt32LE(4);
  const out = new Array<TaskEntry>(count);
  let off = 8;
  for (let i = 0; i < count; i++) {
    const id = payload.readUInt32LE(off) + payload.readUInt32LE(off + 4) * TWO32;
    const len = payload.readUInt32LE(off + 8);
    off += 12;
    if (off + len > payload.length) throw new Error('truncated task batch');
    out[i] = { id, data: payload.subarray(off, off + len) };
    off += len;
  }
  return out;
}

/** Results of one or more tasks, built incrementally by a worker rank or a sub-dispatcher. */
export class ResultBatch {
  #ids: number[] = [];
  #bodies: Buffer[] = [];
  #bytes = 0;
  busyMs = 0;

  get size(): number {
    return this.#ids.length;
  }

  add(id: number, body: Buffer): void {
    this.#ids.push(id);
    this.#bodies.push(body);
    this.#bytes += body.length;
  }

  /** Encode and reset. */
  take(): Buffer {
    const n = this.#ids.length;
    const b = Buffer.allocUnsafe(12 + n * 12 + this.#bytes);
    b.writeUInt32LE(n, 0);
    b.writeDoubleLE(this.busyMs, 4);
    let off = 12;
    for (let i = 0; i < n; i++) {
      const id = this.#ids[i]!;
      const body = this.#bodies[i]!;
      b.writeUInt32LE(id % TWO32, off);
      b.writeUInt32LE(Math.floor(id / TWO32), off + 4);
      b.writeUInt32LE(body.length, off + 8);
      body.copy(b, off + 12);
      off += 12 + body.length;
    }
    this.#ids = [];
    this.#bodies = [];
    this.#bytes = 0;
    this.busyMs = 0;
    return b;
  }
}

export interface ParsedResults {
  readonly ids: Float64Array;
  readonly bodies: Buffer[];
  readonly busyMs: number;
}

export function parseResults(payload: Buffer): ParsedResults {
  const count = payload.readUInt32LE(0);
  const busyMs = payload.readDoubleLE(4);
  const ids = new Float64Array(count);
  const bodies = new Array<Buffer>(count);
  let off = 12;
  for (let i = 0; i < count; i++) {
    ids[i] = payload.readUInt32LE(off) + payload.readUInt32LE(off + 4) * TWO32;
    const len = payload.readUInt32LE(off + 8);
    off += 12;
    if (off + len > payload.length) throw new Error('truncated result batch');
    bodies[i] = payload.subarray(off, off + len);
    off += len;
  }
  return { ids, bodies, busyMs };
}

export function encodeFunctions(fns: readonly FunctionDescriptor[]): Buffer {
  return serialize(fns);
}

export function decodeFunctions(payload: Buffer): FunctionDescriptor[] {
  const v = deserialize(payload) as unknown;
  if (!Array.isArray(v)) throw new Error('malformed function list');
  return v as FunctionDescriptor[];
}

/** The payload of STOP (one byte; empty messages work too, but a byte costs nothing). */
export const EMPTY = Buffer.from([0]);

/**
 * Runs a message handler so that a bug or a malformed message is reported on stderr (and in the block's error
 * file) instead of vanishing inside the addon's callback, which would leave the rank silently deaf.
 */
export function guarded(rank: number, handle: () => void): void {
  try {
    handle();
  } catch (e) {
    process.stderr.write(
      `parsl-ts mpi rank ${rank}: dropped a message: ${(e as Error).stack ?? String(e)}\n`,
    );
  }
}
