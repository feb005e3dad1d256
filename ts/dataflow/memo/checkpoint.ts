import { existsSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as v8 from 'node:v8';
import * as zlib from 'node:zlib';
import { File } from '../../data/file.js';
import { getLogger } from '../../logging.js';
import { decodeValue, encodeValue, isPlainObject } from '../../serialize/values.js';
import { BadCheckpoint } from '../errors.js';

/**
 * Checkpoint files: `<runDir>/NNN/checkpoint/tasks.ckpt`, one per run, append-only.
 *
 *   file   = header record*
 *   header = "PARSL-TS-CKPT" 0x00 0x00 0x01          (16 bytes; the last byte is the format version)
 *   record = magic:u32le length:u32le crc32:u32le payload[length]
 *   payload = hashLength:u8 hash:ascii kind:u8 body   (kind: v8-serialized, float64, UTF-8, or a constant)
 *
 * Every record carries its own CRC, so a reader accepts exactly the records that were completely written: a
 * process killed (even with SIGKILL) in the middle of a write leaves a torn last record, which is dropped with a
 * warning. Damage inside the file is skipped by scanning for the next record whose CRC checks out.
 */
export const CHECKPOINT_FILE = 'tasks.ckpt';
const HEADER = Buffer.from('PARSL-TS-CKPT\x00\x00\x01', 'latin1');
const RECORD_MAGIC = 0x3150_4b43; // "CKP1" little-endian
const RECORD_MAGIC_BYTES = Buffer.from('CKP1', 'latin1');
const FRAME = 12;
const MAX_RECORD = 0x7fff_ffff;

const log = getLogger('parsl.dataflow.checkpoint');

// ---- CRC-32 (zlib.crc32 exists from Node 20.15; a table-driven fallback for older 20.x) ------------------------

type Crc32 = (data: Uint8Array, initial?: number) => number;
const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? tableCrc32();

function tableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, initial = 0) => {
    let c = (initial ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

// ---- records ---------------------------------------------------------------------------------------------------

/**
 * Why a task result cannot be checkpointed faithfully, or null when it can. v8 serialization would silently
 * turn a class instance into a plain object, so anything but data (and File) is refused rather than restored
 * as something else after a restart.
 */
export function uncheckpointable(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return primitiveReason(v);
  return objectReason(v, new Set(), 0);
}

function primitiveReason(v: unknown): string | null {
  if (typeof v === 'symbol') return 'a Symbol';
  if (typeof v === 'function') return 'a function';
  return null;
}

function objectReason(v: object, seen: Set<object>, depth: number): string | null {
  if (seen.has(v)) return null;
  if (depth > 1000) return 'nesting deeper than 1000 levels';
  seen.add(v);
  const inner = (x: unknown, inContainer: boolean): string | null => {
    if (typeof x !== 'object' || x === null) return primitiveReason(x);
    // File travels in a wire form that encodeValue only writes inside arrays and plain objects.
    if (x instanceof File) return inContainer ? 'a File inside a Map or Set' : null;
    return objectReason(x, seen, depth + 1);
  };
  if (Array.isArray(v) || isPlainObject(v)) {
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      const r = inner(x, false);
      if (r) return r;
    }
    return null;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const r = inner(k, true) ?? inner(x, true);
      if (r) return r;
    }
    return null;
  }
  if (v instanceof Set) {
    for (const x of v) {
      const r = inner(x, true);
      if (r) return r;
    }
    return null;
  }
  if (v instanceof Date || v instanceof RegExp || v instanceof ArrayBuffer || ArrayBuffer.isView(v))
    return null;
  if (v instanceof File) return null;
  return `an instance of ${v.constructor?.name ?? 'an unknown class'}`;
}

enum Body {
  V8 = 1,
  Float64 = 2,
  Utf8 = 3,
  True = 4,
  False = 5,
  Null = 6,
  Undefined = 7,
}

/** Reused: creating a v8 serializer per record costs more than the rest of the record. */
let serializer = new v8.DefaultSerializer();

function serialize(value: unknown): Buffer {
  try {
    serializer.writeHeader();
    serializer.writeValue(encodeValue(value));
    return serializer.releaseBuffer();
  } catch (e) {
    serializer = new v8.DefaultSerializer(); // a failed write leaves it mid-value
    throw e;
  }
}

/**
 * Framed records written one after another into one growable buffer, which the writer hands to a single write
 * call per event-loop turn. Common scalar results skip v8 serialization.
 */
export class RecordBuffer {
  buf: Buffer;
  len = 0;
  count = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Append a record for a successful task; returns why not when its result cannot be checkpointed. */
  add(hash: string, value: unknown): string | null {
    const reason = uncheckpointable(value);
    if (reason) return reason;
    let body: Buffer | null = null;
    let kind: Body;
    let bodyMax = 0;
    if (typeof value === 'number') [kind, bodyMax] = [Body.Float64, 8];
    else if (typeof value === 'string' && isWellFormed(value))
      [kind, bodyMax] = [Body.Utf8, 3 * value.length];
    else if (typeof value === 'boolean') kind = value ? Body.True : Body.False;
    else if (value === null) kind = Body.Null;
    else if (value === undefined) kind = Body.Undefined;
    else {
      try {
        body = serialize(value);
      } catch (e) {
        return `a value v8 cannot serialize (${(e as Error).message})`;
      }
      [kind, bodyMax] = [Body.V8, body.length];
    }
    this.#room(FRAME + 2 + hash.length + bodyMax);
    const b = this.buf;
    const start = this.len;
    let at = start + FRAME;
    b[at++] = hash.length;
    at += b.write(hash, at, 'latin1');
    b[at++] = kind;
    if (kind === Body.Float64) at = b.writeDoubleLE(value as number, at);
    else if (kind === Body.Utf8) at += b.write(value as string, at, 'utf8');
    else if (body !== null) at += body.copy(b, at);
    b.writeUInt32LE(RECORD_MAGIC, start);
    b.writeUInt32LE(at - start - FRAME, start + 4);
    b.writeUInt32LE(crc32(b.subarray(start + FRAME, at)), start + 8);
    this.len = at;
    this.count++;
    return null;
  }

  /** The records so far, as a buffer the caller now owns; this one starts over empty. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(this.buf.length, 4 * 1024 * 1024)));
    this.len = 0;
    this.count = 0;
    return out;
  }
}

const wellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
/** UTF-8 would replace lone surrogates; such strings go through v8 serialization, which keeps them. */
function isWellFormed(s: string): boolean {
  return wellFormed ? wellFormed.call(s) : !/[\ud800-\udfff]/.test(s); // conservative without isWellFormed
}

/** One framed record for a successful task, or a reason string when its result cannot be checkpointed. */
export function encodeRecord(hash: string, value: unknown): Buffer | string {
  const rb = new RecordBuffer(256);
  return rb.add(hash, value) ?? rb.buf.subarray(0, rb.len);
}

export interface CheckpointRecord {
  readonly hash: string;
  readonly value: unknown;
}

/**
 * Read one checkpoint (a checkpoint directory, or the file itself). A missing or unreadable file, or one that
 * is not a parsl-ts checkpoint, raises BadCheckpoint naming it; a torn or damaged record is skipped with a
 * warning, since that is what a crash leaves behind.
 */
export async function readCheckpoint(path: string): Promise<CheckpointRecord[]> {
  const file = checkpointFilePath(path);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    throw new BadCheckpoint(
      `checkpoint ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give checkpointFiles paths from getAllCheckpoints() or getLastCheckpoint()`,
      { cause: e },
    );
  }
  return parseCheckpoint(data, file);
}

function checkpointFilePath(path: string): string {
  const p = resolve(path);
  if (basename(p) === CHECKPOINT_FILE) return p;
  try {
    if (statSync(p).isFile()) return p;
  } catch {
    // A missing path is reported when it is read.
  }
  return join(p, CHECKPOINT_FILE);
}

export function parseCheckpoint(data: Buffer, file: string): CheckpointRecord[] {
  const headerBytes = Math.min(data.length, HEADER.length);
  if (!data.subarray(0, headerBytes).equals(HEADER.subarray(0, headerBytes))) {
    throw new BadCheckpoint(
      `${file} is not a parsl-ts checkpoint (its header is wrong); remove it from checkpointFiles`,
    );
  }
  if (data.length < HEADER.length) {
    log.warning(
      `checkpoint ${file} has a torn header (the run was killed as it started); it holds no records`,
    );
    return [];
  }
  const out: CheckpointRecord[] = [];
  let off = HEADER.length;
  while (off < data.length) {
    const len = validRecordAt(data, off);
    if (len >= 0) {
      const rec = decodePayload(data.subarray(off + FRAME, off + FRAME + len), file, off);
      if (rec) out.push(rec);
      off += FRAME + len;
      continue;
    }
    const next = nextValidRecord(data, off + 1);
    if (next < 0) {
      log.warning(
        `checkpoint ${file}: dropped ${data.length - off} bytes at offset ${off} (a record torn by a crash, or damage)`,
      );
      break;
    }
    log.warning(`checkpoint ${file}: skipped ${next - off} damaged bytes at offset ${off}`);
    off = next;
  }
  return out;
}

/** The payload length of a complete, CRC-valid record at `off`, or -1. */
function validRecordAt(data: Buffer, off: number): number {
  if (off + FRAME > data.length || data.readUInt32LE(off) !== RECORD_MAGIC) return -1;
  const len = data.readUInt32LE(off + 4);
  if (len > MAX_RECORD || off + FRAME + len > data.length) return -1;
  return crc32(data.subarray(off + FRAME, off + FRAME + len)) === data.readUInt32LE(off + 8) ? len : -1;
}

function nextValidRecord(data: Buffer, from: number): number {
  for (
    let at = data.indexOf(RECORD_MAGIC_BYTES, from);
    at >= 0;
    at = data.indexOf(RECORD_MAGIC_BYTES, at + 1)
  ) {
    if (validRecordAt(data, at) >= 0) return at;
  }
  return -1;
}

function decodePayload(p: Buffer, file: string, off: number): CheckpointRecord | null {
  const hashLength = p[0]!;
  try {
    const hash = p.toString('latin1', 1, 1 + hashLength);
    return { hash, value: decodeBody(p[1 + hashLength]!, p.subarray(2 + hashLength)) };
  } catch (e) {
    log.warning(
      `checkpoint ${file}: the record at offset ${off} cannot be decoded (${(e as Error).message}); skipped`,
    );
    return null;
  }
}

function decodeBody(kind: number, body: Buffer): unknown {
  switch (kind) {
    case Body.V8:
      return decodeValue(v8.deserialize(body));
    case Body.Float64:
      return body.readDoubleLE(0);
    case Body.Utf8:
      return body.toString('utf8');
    case Body.True:
      return true;
    case Body.False:
      return false;
    case Body.Null:
      return null;
    case Body.Undefined:
      return undefined;
    default:
      throw new Error(`unknown value encoding ${kind} (written by a newer parsl-ts?)`);
  }
}

// ---- the writer --------------------------------------------------------------------------------------------------

/**
 * Appends records through one open file. Records appended in the same event-loop turn are written together by
 * one write call early in the next turn (setImmediate); no fsync on that path. `sync()` writes everything and fsyncs.
 */
export class CheckpointWriter {
  readonly file: string;
  #fh: FileHandle;
  #records = new RecordBuffer();
  #scheduled = false;
  #writing: Promise<void> | null = null;
  #error: Error | null = null;
  #closed = false;

  private constructor(
    readonly dir: string,
    fh: FileHandle,
  ) {
    this.file = join(dir, CHECKPOINT_FILE);
    this.#fh = fh;
  }

  static async create(dir: string): Promise<CheckpointWriter> {
    await mkdir(dir, { recursive: true });
    const fh = await open(join(dir, CHECKPOINT_FILE), 'ax');
    try {
      await fh.write(HEADER);
    } catch (e) {
      await fh.close();
      throw e;
    }
    return new CheckpointWriter(dir, fh);
  }

  /** Queue a record for a successful task; returns why not when its result cannot be checkpointed. */
  append(hash: string, value: unknown): string | null {
    if (this.#closed) return 'the checkpoint is closed';
    const why = this.#records.add(hash, value);
    if (why === null && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#kick());
    }
    return why;
  }

  /** Issue every appended record's write and wait for them (no fsync). */
  async flush(): Promise<void> {
    while (this.#writing !== null || this.#records.len > 0) {
      if (this.#writing === null) this.#kick();
      await this.#writing;
    }
    if (this.#error) throw this.#error;
  }

  /** Flush and fsync, so the records survive an operating-system crash too. */
  async sync(): Promise<void> {
    await this.flush();
    if (!this.#closed) await this.#fh.datasync();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.sync();
    } finally {
      this.#closed = true;
      await this.#fh.close();
    }
  }

  #kick(): void {
    this.#scheduled = false;
    if (this.#writing !== null || this.#records.len === 0 || this.#closed) return;
    const n = this.#records.count;
    const batch = this.#records.take();
    const done = (): void => {
      this.#writing = null;
      this.#kick();
    };
    this.#writing = this.#write(batch).then(done, (e: Error) => {
      this.#error ??= e;
      log.error(`checkpoint ${this.file}: writing ${n} record(s) failed: ${e.message}`);
      done();
    });
  }

  async #write(data: Buffer): Promise<void> {
    for (let off = 0; off < data.length; ) {
      const { bytesWritten } = await this.#fh.write(data, off, data.length - off);
      off += bytesWritten;
    }
  }
}

// ---- finding checkpoints -------------------------------------------------------------------------------------------

/**
 * Every checkpoint under a base run directory, oldest run first: `<runDir>/<NNN>/checkpoint` for each all-digit
 * run directory (ordered numerically, so `1000` follows `999`) that holds a checkpoint file. Non-numeric entries
 * are ignored. Synchronous: it is called once, while building a Config.
 */
export function getAllCheckpoints(runDir = 'runinfo'): string[] {
  const root = resolve(runDir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => compareRunNumbers(a, b))
    .map((n) => join(root, n, 'checkpoint'))
    .filter((dir) => existsSync(join(dir, CHECKPOINT_FILE)));
}

/** The newest checkpoint under a base run directory, as a one-element list, or `[]` when there is none. */
export function getLastCheckpoint(runDir = 'runinfo'): string[] {
  const all = getAllCheckpoints(runDir);
  return all.length === 0 ? [] : [all[all.length - 1]!];
}

/** Numeric order without precision loss for very long names ("0007" and "7" compare equal, then by text). */
function compareRunNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
