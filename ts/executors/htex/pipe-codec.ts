import { deserialize, serialize } from 'node:v8';

/**
 * Framing of the pool ↔ worker messages on a plain pipe (one each way, next to the IPC channel that only carries
 * the worker's lifetime): `[u32 meta length][u32 blob length][v8 meta][blob]`, little endian. The decoded message
 * is the meta object with `blob` added, i.e. exactly the {@link ManagerToWorker} / {@link WorkerToManager} shapes.
 * A raw pipe round trip costs about a third of Node's `advanced` IPC serialization, which dominated the latency of
 * the pool ↔ worker hop.
 */
const HEADER = 8;

/** File descriptors of a worker's task pipe (pool → worker) and result pipe (worker → pool); fd 3 is IPC. */
export const TASK_FD = 4;
export const RESULT_FD = 5;

export function encodePipeMessage(meta: object, blob: Buffer | readonly Buffer[]): Buffer {
  const m = serialize(meta);
  const parts = Buffer.isBuffer(blob) ? [blob] : blob;
  let blobLength = 0;
  for (const b of parts) blobLength += b.length;
  const out = Buffer.allocUnsafe(HEADER + m.length + blobLength);
  out.writeUInt32LE(m.length, 0);
  out.writeUInt32LE(blobLength, 4);
  m.copy(out, HEADER);
  let at = HEADER + m.length;
  for (const b of parts) {
    b.copy(out, at);
    at += b.length;
  }
  return out;
}

/** Reassembles framed messages from pipe chunks; `onMessage` gets `{ ...meta, blob }` or `onError` a reason. */
export class PipeReader {
  #chunks: Buffer[] = [];
  #have = 0;

  constructor(
    private readonly onMessage: (m: unknown) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#have += chunk.length;
    while (this.#have >= HEADER) {
      let first = this.#chunks[0]!;
      if (first.length < HEADER) {
        first = Buffer.concat(this.#chunks);
        this.#chunks = [first];
      }
      const metaLength = first.readUInt32LE(0);
      const total = HEADER + metaLength + first.readUInt32LE(4);
      if (this.#have < total) return;
      const buf = this.#chunks.length === 1 ? first : Buffer.concat(this.#chunks);
      const rest = buf.length > total ? buf.subarray(total) : null;
      this.#chunks = rest === null ? [] : [rest];
      this.#have = rest === null ? 0 : rest.length;
      let meta: unknown;
      try {
        meta = deserialize(buf.subarray(HEADER, HEADER + metaLength));
      } catch (e) {
        this.onError(`undecodable message (${(e as Error).message})`);
        continue;
      }
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
        this.onError('message is not an object');
        continue;
      }
      (meta as { blob: Buffer }).blob = buf.subarray(HEADER + metaLength, total);
      this.onMessage(meta);
    }
  }
}
