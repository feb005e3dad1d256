import { deserialize, serialize } from 'node:v8';

/**
 * Framing of htex messages on plain pipes (executor ↔ interchange, pool ↔ worker): `[u32 meta length][u32 blob
 * length][meta][blob]`, little endian — the same two frames a ZeroMQ message of `protocol.ts` carries. A pipe
 * hop costs one wake-up of the receiver, where a ZeroMQ hop also wakes both sides' I/O threads; on a pipe that
 * only two processes share, the socket machinery buys nothing.
 */
const HEADER = 8;

/** The worker's pipe for tasks in and results out (fd 3 is its IPC channel, kept for 'disconnect'). */
export const WORKER_FD = 4;
/** The interchange's pipe to its executor. */
export const CLIENT_FD = 3;

const NO_BLOB: readonly Buffer[] = [];

/** One framed message; `blob` may be given in parts (written back to back, read as one) or left out. */
export function encodeFramed(meta: Buffer, blob: Buffer | readonly Buffer[] = NO_BLOB): Buffer {
  const parts = Buffer.isBuffer(blob) ? [blob] : blob;
  let blobLength = 0;
  for (const b of parts) blobLength += b.length;
  const out = Buffer.allocUnsafe(HEADER + meta.length + blobLength);
  out.writeUInt32LE(meta.length, 0);
  out.writeUInt32LE(blobLength, 4);
  meta.copy(out, HEADER);
  let at = HEADER + meta.length;
  for (const b of parts) {
    b.copy(out, at);
    at += b.length;
  }
  return out;
}

/** Reassembles framed messages from stream chunks; `onFrames` gets `[meta, blob]` (views, no copy). */
export class FrameReader {
  #chunks: Buffer[] = [];
  #have = 0;

  constructor(private readonly onFrames: (meta: Buffer, blob: Buffer) => void) {}

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
      this.onFrames(buf.subarray(HEADER, HEADER + metaLength), buf.subarray(HEADER + metaLength, total));
    }
  }
}

/** A pool ↔ worker message: a v8-serialized meta object plus its batch blob. */
export function encodePipeMessage(meta: object, blob: Buffer | readonly Buffer[]): Buffer {
  return encodeFramed(serialize(meta), blob);
}

/** Reads pool ↔ worker messages: `onMessage` gets the meta object with `blob` added, or `onError` a reason. */
export function pipeMessageReader(
  onMessage: (m: unknown) => void,
  onError: (reason: string) => void,
): FrameReader {
  return new FrameReader((metaBuf, blob) => {
    let meta: unknown;
    try {
      meta = deserialize(metaBuf);
    } catch (e) {
      onError(`undecodable message (${(e as Error).message})`);
      return;
    }
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      onError('message is not an object');
      return;
    }
    (meta as { blob: Buffer }).blob = blob;
    onMessage(meta);
  });
}
