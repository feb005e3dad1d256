import * as crypto from 'node:crypto';
import { File } from '../../data/file.js';
import { ParslError, registerErrorClass } from '../../errors.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import { describeFunction } from '../../serialize/function-ref.js';
import type { MemoTask } from './memoizer.js';

/**
 * The app cache's hash: sha256 over a canonical, type-tagged byte encoding of a task's function identity, its
 * positional arguments and its keyword object. Every value is written as a tag byte followed by length-prefixed
 * content, so the encoding is unambiguous ('1' ≠ 1 ≠ 1n, null ≠ undefined, -0 ≠ 0) and depends on nothing that
 * varies between processes or runs: object keys are sorted, Map entries and Set elements are sorted by their own
 * encoding, and no identity, address or insertion order is ever read. Bump {@link ENCODING_VERSION} whenever an
 * encoding changes, so stale checkpoints miss instead of matching the wrong thing.
 */
export const ENCODING_VERSION = 'parsl-ts memo v1';

/** An argument of a cached app has no canonical form; the message names the argument and its type. */
export class UnhashableArgument extends ParslError {}
registerErrorClass(UnhashableArgument);

type Hasher = (value: never) => unknown;

interface Registration {
  readonly name: string;
  readonly hasher: Hasher;
}

/** Keyed by prototype, so subclasses use their nearest registered ancestor's hasher (as Parsl's singledispatch). */
const registry = new Map<object, Registration>();

/**
 * Register how instances of a class take part in app-cache hashes (Parsl's `id_for_memo.register`). The hasher
 * returns a string, bytes, or any value parsl-ts can hash (a plain object of fields, an array, …); equal
 * results mean "the same argument". The class name is part of the hash, so two classes never collide.
 *
 * ```ts
 * idForMemo(Point, (p) => [p.x, p.y]);
 * ```
 */
export function idForMemo<T>(cls: abstract new (...args: never[]) => T, hasher: (value: T) => unknown): void {
  if (typeof cls !== 'function' || typeof cls.prototype !== 'object' || cls.prototype === null) {
    throw new TypeError('idForMemo(cls, hasher): cls must be a class (a constructor with a prototype)');
  }
  if (typeof hasher !== 'function') throw new TypeError('idForMemo(cls, hasher): hasher must be a function');
  registry.set(cls.prototype as object, { name: cls.name || 'anonymous class', hasher: hasher as Hasher });
}

function registrationFor(v: object): Registration | undefined {
  if (registry.size === 0) return undefined;
  for (let p: object | null = Object.getPrototypeOf(v); p !== null; p = Object.getPrototypeOf(p)) {
    const r = registry.get(p);
    if (r) return r;
  }
  return undefined;
}

enum Tag {
  Undefined = 0x01,
  Null = 0x02,
  False = 0x03,
  True = 0x04,
  Number = 0x05,
  BigInt = 0x06,
  String = 0x07,
  Symbol = 0x08,
  Array = 0x10,
  Object = 0x11,
  Map = 0x12,
  Set = 0x13,
  Date = 0x14,
  RegExp = 0x15,
  TypedArray = 0x16,
  ArrayBuffer = 0x17,
  File = 0x18,
  OutputFile = 0x19,
  Function = 0x1a,
  NativeFunction = 0x1b,
  Registered = 0x1c,
  BackReference = 0x1d,
  Bytes = 0x1e,
  Task = 0x20,
  Positional = 0x21,
  Keywords = 0x22,
  NoKeywords = 0x23,
}

/** Thrown inside the encoder; carries the path to the offending value and becomes an UnhashableArgument. */
class Unhashable extends Error {
  readonly path: string[] = [];
}

const MAX_DEPTH = 1000;

/** A growable byte buffer that writes the canonical encoding. One is reused for every task. */
class Encoder {
  buf = Buffer.allocUnsafe(4096);
  len = 0;
  readonly #ancestors: object[] = [];

  reset(): void {
    this.len = 0;
    this.#ancestors.length = 0;
  }

  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  tag(t: Tag): void {
    this.#room(1);
    this.buf[this.len++] = t;
  }

  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u32(n: number): void {
    this.#room(4);
    this.buf.writeUInt32LE(n >>> 0, this.len);
    this.len += 4;
  }

  /** UTF-16 code units, so strings with lone surrogates stay distinct (UTF-8 would replace them). */
  string(s: string): void {
    this.#room(5 + 2 * s.length);
    this.buf[this.len++] = Tag.String;
    this.buf.writeUInt32LE(s.length, this.len);
    this.len += 4;
    this.len += this.buf.write(s, this.len, 'utf16le');
  }

  bytes(tag: Tag, b: Uint8Array): void {
    this.#room(5 + b.byteLength);
    this.buf[this.len++] = tag;
    this.buf.writeUInt32LE(b.byteLength, this.len);
    this.len += 4;
    this.buf.set(b, this.len);
    this.len += b.byteLength;
  }

  number(n: number): void {
    this.#room(9);
    this.buf[this.len++] = Tag.Number;
    // Every NaN is one value in JS, whatever its bit pattern; -0 keeps its sign bit and so differs from 0.
    this.buf.writeDoubleLE(Number.isNaN(n) ? Number.NaN : n, this.len);
    this.len += 8;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.string(v);
        break;
      case 'number':
        this.number(v);
        break;
      case 'boolean':
        this.tag(v ? Tag.True : Tag.False);
        break;
      case 'undefined':
        this.tag(Tag.Undefined);
        break;
      case 'bigint':
        this.tag(Tag.BigInt);
        this.string(v.toString(16));
        break;
      case 'symbol':
        this.#symbol(v);
        break;
      case 'function':
        this.#function(v);
        break;
      default:
        if (v === null) this.tag(Tag.Null);
        else this.#object(v as object);
    }
  }

  #symbol(s: symbol): void {
    const key = Symbol.keyFor(s);
    if (key === undefined) {
      throw new Unhashable(
        `a unique Symbol(${s.description ?? ''}) has no identity that survives a restart; use Symbol.for() or a string`,
      );
    }
    this.tag(Tag.Symbol);
    this.string(key);
  }

  // biome-ignore lint/complexity/noBannedTypes: any function value may be an argument
  #function(f: Function): void {
    let d = (f as { definition?: { fn?: FunctionDescriptor } }).definition?.fn;
    try {
      d ??= describeFunction(f);
    } catch {
      // Native built-ins (Math.max, …) have stable names; bound functions hide their target and bound values.
      if (f.name.startsWith('bound ')) {
        throw new Unhashable(
          `the bound function '${f.name}' hides its target; pass the function and its arguments`,
        );
      }
      this.tag(Tag.NativeFunction);
      this.string(f.name);
      return;
    }
    this.functionIdentity(d);
  }

  /** Module exports by URL and export name; functions sent by source by their source hash (an edit changes it). */
  functionIdentity(d: FunctionDescriptor): void {
    this.tag(Tag.Function);
    if (d.kind === 'module') {
      this.string('module');
      this.string(d.url);
      this.string(d.exportName);
    } else {
      this.string('source');
      this.string(d.id);
    }
  }

  #object(v: object): void {
    const anc = this.#ancestors;
    const seen = anc.lastIndexOf(v);
    if (seen !== -1) {
      this.tag(Tag.BackReference);
      this.u32(anc.length - seen);
      return;
    }
    if (anc.length >= MAX_DEPTH) throw new Unhashable(`nesting deeper than ${MAX_DEPTH} levels`);
    anc.push(v);
    try {
      this.#container(v);
    } finally {
      anc.pop();
    }
  }

  #container(v: object): void {
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) this.#array(v);
    else if (proto === Object.prototype || proto === null) this.#plain(v as Record<string, unknown>);
    else this.#instance(v, proto);
  }

  /** Registered hashers come first, so users may override how a built-in class is hashed. */
  #instance(v: object, proto: object): void {
    const reg = registrationFor(v);
    if (reg) this.#registered(v, reg);
    else if (v instanceof File) this.file(v, Tag.File);
    else if (v instanceof Date) {
      this.tag(Tag.Date);
      this.number(v.getTime());
    } else if (v instanceof Map) this.#map(v);
    else if (v instanceof Set) this.#set(v);
    else if (ArrayBuffer.isView(v)) this.#view(v);
    else if (v instanceof ArrayBuffer) this.bytes(Tag.ArrayBuffer, new Uint8Array(v));
    else if (v instanceof RegExp) {
      this.tag(Tag.RegExp);
      this.string(v.source);
      this.string(v.flags);
    } else {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name || 'anonymous class';
      throw new Unhashable(
        `instances of class ${name} have no memo hasher; register one with idForMemo(${name}, (v) => …) returning the fields that identify it`,
      );
    }
  }

  #array(a: readonly unknown[]): void {
    this.tag(Tag.Array);
    this.u32(a.length);
    for (let i = 0; i < a.length; i++) this.#at(i, a[i]);
  }

  #plain(o: Record<string, unknown>): void {
    const keys = Object.keys(o).sort();
    this.tag(Tag.Object);
    this.u32(keys.length);
    for (const k of keys) {
      this.string(k);
      this.#at(k, o[k]);
    }
  }

  /** Encode a child, adding its position to the path of an Unhashable raised below it. */
  #at(key: string | number, v: unknown): void {
    try {
      this.value(v);
    } catch (e) {
      if (e instanceof Unhashable) e.path.unshift(typeof key === 'number' ? `[${key}]` : `.${key}`);
      throw e;
    }
  }

  #map(m: Map<unknown, unknown>): void {
    this.tag(Tag.Map);
    this.u32(m.size);
    let i = 0;
    this.#sorted(m.size, (emit) => {
      for (const [k, v] of m) {
        emit(() => {
          this.#at(`<map key ${i}>`, k);
          this.#at(`<map value ${i++}>`, v);
        });
      }
    });
  }

  #set(s: Set<unknown>): void {
    this.tag(Tag.Set);
    this.u32(s.size);
    let i = 0;
    this.#sorted(s.size, (emit) => {
      for (const x of s) emit(() => this.#at(`<set element ${i++}>`, x));
    });
  }

  /**
   * Encode n items one after another, then reorder their encodings bytewise: the result depends only on the
   * items, never on insertion order. Sorting by encoding is a total order, as sorting by hash would be, but
   * needs no extra digest per item.
   */
  #sorted(n: number, each: (emit: (write: () => void) => void) => void): void {
    if (n === 0) return;
    const start = this.len;
    const bounds: number[] = [];
    each((write) => {
      const from = this.len;
      write();
      bounds.push(from, this.len);
    });
    if (n === 1) return;
    const region = Buffer.from(this.buf.subarray(start, this.len));
    const parts: Buffer[] = [];
    for (let i = 0; i < bounds.length; i += 2)
      parts.push(region.subarray(bounds[i]! - start, bounds[i + 1]! - start));
    parts.sort(Buffer.compare);
    let at = start;
    for (const p of parts) {
      // Length-prefix each item so a shorter item's bytes can never read as the start of a longer one.
      this.len = at;
      this.u32(p.length);
      this.#room(p.length);
      p.copy(this.buf, this.len);
      at = this.len + p.length;
    }
    this.len = at;
  }

  #view(v: ArrayBufferView): void {
    // Buffer is a Uint8Array and hashes as one (it arrives as one from a worker).
    const kind =
      v instanceof DataView
        ? 'DataView'
        : (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
    this.tag(Tag.TypedArray);
    this.string(kind);
    this.bytes(Tag.Bytes, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }

  /** Files by URL only: where a staging provider put a local copy does not change what the file is. */
  file(f: File, tag: Tag.File | Tag.OutputFile): void {
    this.tag(tag);
    this.string(f.url);
  }

  #registered(v: object, reg: Registration): void {
    let id: unknown;
    try {
      id = reg.hasher(v as never);
    } catch (e) {
      const err = new Unhashable(
        `the idForMemo hasher for ${reg.name} threw: ${(e as Error)?.message ?? String(e)}`,
      );
      (err as { cause?: unknown }).cause = e;
      throw err;
    }
    if (id === v) throw new Unhashable(`the idForMemo hasher for ${reg.name} returned the value itself`);
    this.tag(Tag.Registered);
    this.string(reg.name);
    if (id instanceof Uint8Array) this.bytes(Tag.Bytes, id);
    else this.#at(`<idForMemo ${reg.name}>`, id);
  }
}

const encoder = new Encoder();
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'base64url') => string }).hash;

/** sha256 in base64url: 43 characters per table key instead of 64. */
function digest(bytes: Uint8Array): string {
  return oneShot
    ? oneShot('sha256', bytes, 'base64url')
    : crypto.createHash('sha256').update(bytes).digest('base64url');
}

/** The canonical hash of one value (exposed for tests and for users checking their idForMemo hashers). */
export function hashValue(v: unknown): string {
  encoder.reset();
  try {
    encoder.value(v);
  } catch (e) {
    throw toUnhashable(e, 'the value');
  }
  return digest(encoder.buf.subarray(0, encoder.len));
}

/**
 * The memo hash of a task: function identity, positional arguments, and the keyword object without the keys in
 * `ignoreForCache` and `autoIgnored`; `outputs` are hashed as output references (their URLs).
 */
export function hashTask(task: MemoTask): string {
  const e = encoder;
  e.reset();
  e.raw(taskPrefix(task.fn));
  e.string(task.kind);
  const n = task.hasKwargs ? task.args.length - 1 : task.args.length;
  e.tag(Tag.Positional);
  e.u32(n);
  for (let i = 0; i < n; i++) {
    try {
      e.value(task.args[i]);
    } catch (err) {
      throw toUnhashable(err, `argument ${i} of app ${task.appName}`);
    }
  }
  if (task.hasKwargs) encodeKeywords(e, task, task.args[n] as Record<string, unknown>);
  else e.tag(Tag.NoKeywords);
  return digest(e.buf.subarray(0, e.len));
}

const prefixes = new WeakMap<FunctionDescriptor, Buffer>();

/** The encoding version and function identity, encoded once per app. */
function taskPrefix(fn: FunctionDescriptor): Buffer {
  let p = prefixes.get(fn);
  if (p === undefined) {
    const e = new Encoder();
    e.string(ENCODING_VERSION);
    e.tag(Tag.Task);
    e.functionIdentity(fn);
    p = Buffer.from(e.buf.subarray(0, e.len));
    prefixes.set(fn, p);
  }
  return p;
}

function encodeKeywords(e: Encoder, task: MemoTask, kw: Record<string, unknown>): void {
  const skip = task.ignoreForCache.length + task.autoIgnored.length > 0;
  const keys = Object.keys(kw)
    .filter((k) => !skip || (!task.ignoreForCache.includes(k) && !task.autoIgnored.includes(k)))
    .sort();
  e.tag(Tag.Keywords);
  e.u32(keys.length);
  for (const k of keys) {
    e.string(k);
    const v = kw[k];
    try {
      if (k === 'outputs' && Array.isArray(v)) encodeOutputs(e, v);
      else e.value(v);
    } catch (err) {
      throw toUnhashable(err, `keyword argument '${k}' of app ${task.appName}`);
    }
  }
}

/** Outputs name what the task will write: a reference, distinct from the same File given as an input. */
function encodeOutputs(e: Encoder, outputs: readonly unknown[]): void {
  e.tag(Tag.Array);
  e.u32(outputs.length);
  for (const o of outputs) {
    if (o instanceof File) e.file(o, Tag.OutputFile);
    else e.value(o);
  }
}

function toUnhashable(e: unknown, where: string): Error {
  if (!(e instanceof Unhashable)) return e instanceof Error ? e : new Error(String(e));
  const path = e.path.join('');
  return new UnhashableArgument(
    `cannot hash ${where}${path ? ` at ${path}` : ''} for the app cache: ${e.message}`,
    {
      cause: (e as { cause?: unknown }).cause,
    },
  );
}
