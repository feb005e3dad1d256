import { deserialize, serialize } from 'node:v8';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';

/**
 * Messages between the ranks of one MPI worker pool (rank 0, sub-dispatchers, worker ranks), declared once.
 * The MPI tag says what a message is; payloads are little-endian binary so no rank decodes a task body it only
 * routes.
 *
 * - `TASKS`   parent → child: the dispatcher core's batch, `u32 magic | u32 count | count × (u64 id | u32 len | data)`,
 *             where each task's data is `u16 fnIdLength | fnId | task body` (the HTEX task body, untouched).
 * - `RESULTS` child → parent: `u32 count | f64 busyMs | count × u64 id | count × u32 len | result bodies`, the
 *             bodies back to back so a parent forwards them as one slice.
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

/**
 * Tasks in the dispatcher core's batch format (what `TASKS` carries), packed in one buffer so rank 0 hands a whole
 * interchange batch to the core in one call.
 */
export function encodeTaskBatch(
  ids: readonly number[],
  fnIds: readonly string[],
  bodies: readonly Buffer[],
): Buffer {
  const n = ids.length;
  const fnLengths = new Array<number>(n);
  let size = 8;
  let lastFn = '';
  let lastLength = 0;
  for (let i = 0; i < n; i++) {
    const fn = fnIds[i]!;
    if (fn !== lastFn) {
      lastFn = fn;
      lastLength = Buffer.byteLength(fn);
    }
    fnLengths[i] = lastLength;
    size += 14 + lastLength + bodies[i]!.length;
  }
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32LE(BATCH_MAGIC, 0);
  b.writeUInt32LE(n, 4);
  let off = 8;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const body = bodies[i]!;
    const fnLength = fnLengths[i]!;
    b.writeUInt32LE(id % TWO32, off);
    b.writeUInt32LE(Math.floor(id / TWO32), off + 4);
    b.writeUInt32LE(2 + fnLength + body.length, off + 8);
    b.writeUInt16LE(fnLength, off + 12);
    b.write(fnIds[i]!, off + 14, 'utf8');
    body.copy(b, off + 14 + fnLength);
    off += 14 + fnLength + body.length;
  }
  return b;
}

/** The results of a `RESULTS` message, or of several: ids, body lengths, and the bodies back to back. */
export interface ParsedResults {
  readonly ids: Float64Array;
  readonly lengths: Uint32Array;
  readonly blob: Buffer;
  readonly busyMs: number;
}

export function parseResults(payload: Buffer): ParsedResults {
  const count = payload.readUInt32LE(0);
  const busyMs = payload.readDoubleLE(4);
  const ids = new Float64Array(count);
  const lengths = new Uint32Array(count);
  let off = 12;
  for (let i = 0; i < count; i++, off += 8)
    ids[i] = payload.readUInt32LE(off) + payload.readUInt32LE(off + 4) * TWO32;
  let bytes = 0;
  for (let i = 0; i < count; i++, off += 4) bytes += lengths[i] = payload.readUInt32LE(off);
  if (off + bytes > payload.length) throw new Error('truncated result batch');
  return { ids, lengths, blob: payload.subarray(off, off + bytes), busyMs };
}

/** The bodies of parsed results, one by one (views into the blob). */
export function resultBodies(r: ParsedResults): Buffer[] {
  const out = new Array<Buffer>(r.ids.length);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = r.blob.subarray(off, off + r.lengths[i]!);
    off += r.lengths[i]!;
  }
  return out;
}

/**
 * Results of one or more tasks collected for the next message up: a worker rank adds them one by one, a
 * sub-dispatcher and rank 0 add whole parsed messages without splitting their bodies.
 */
export class ResultBatch {
  #ids: number[] = [];
  #lengths: number[] = [];
  #chunks: Buffer[] = [];
  #bytes = 0;
  busyMs = 0;

  get size(): number {
    return this.#ids.length;
  }

  add(id: number, body: Buffer): void {
    this.#ids.push(id);
    this.#lengths.push(body.length);
    this.#chunks.push(body);
    this.#bytes += body.length;
  }

  addParsed(r: ParsedResults): void {
    for (let i = 0; i < r.ids.length; i++) {
      this.#ids.push(r.ids[i]!);
      this.#lengths.push(r.lengths[i]!);
    }
    this.#chunks.push(r.blob);
    this.#bytes += r.blob.length;
    this.busyMs += r.busyMs;
  }

  /** Encode as a `RESULTS` payload and reset. */
  take(): Buffer {
    const n = this.#ids.length;
    const b = Buffer.allocUnsafe(12 + n * 12 + this.#bytes);
    b.writeUInt32LE(n, 0);
    b.writeDoubleLE(this.busyMs, 4);
    let off = 12;
    for (let i = 0; i < n; i++, off += 8) {
      const id = this.#ids[i]!;
      b.writeUInt32LE(id % TWO32, off);
      b.writeUInt32LE(Math.floor(id / TWO32), off + 4);
    }
    for (let i = 0; i < n; i++, off += 4) b.writeUInt32LE(this.#lengths[i]!, off);
    for (const c of this.#chunks) off += c.copy(b, off);
    this.#reset();
    return b;
  }

  /** Hand over ids, lengths and the concatenated bodies (for the interchange's `results` message) and reset. */
  drain(): { ids: number[]; lengths: number[]; blob: Buffer } {
    const out = { ids: this.#ids, lengths: this.#lengths, blob: Buffer.concat(this.#chunks, this.#bytes) };
    this.#reset();
    return out;
  }

  #reset(): void {
    this.#ids = [];
    this.#lengths = [];
    this.#chunks = [];
    this.#bytes = 0;
    this.busyMs = 0;
  }
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
