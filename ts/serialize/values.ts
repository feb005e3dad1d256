import { File, fileFromWire, fileToWire, isFileWire } from '../data/file.js';
import { describeValue, isThenable } from '../describe.js';
import { type ClassRef, classRefOf, isBuiltinObject, loadedClass } from './classes.js';
import { SerializationError } from './errors.js';

/**
 * Values cross threads, processes and MPI ranks by v8 structured serialization, which keeps Maps, Sets, Dates,
 * typed arrays, bigints and cycles but drops classes. `File`, and user classes registered with `registerClass`
 * (classes.ts), travel in tagged wire forms inside arrays, plain objects, Maps and Sets. Containers are copied only
 * when something inside changes.
 */
export function encodeValue(v: unknown): unknown {
  return encode(v, false);
}

/**
 * {@link encodeValue} for a task's arguments, which must arrive as what the app was given: an instance of a class
 * that is not registered (it would arrive as a plain object without its methods) fails with SerializationError
 * naming the argument and saying what to do.
 */
export function encodeArgs(args: readonly unknown[]): unknown[] {
  try {
    return encode(args, true) as unknown[];
  } catch (e) {
    if (!(e instanceof Unregistered)) throw e;
    const where = pathTo(args, e.value) ?? '?';
    if (isThenable(e.value))
      throw new SerializationError(
        `argument ${where} is a future or Promise the kernel did not wait for: it sits where the kernel does not look for dependencies (inside an instance of a class); pass it directly or inside an array, a plain object, a Map or a Set`,
      );
    const name = Object.getPrototypeOf(e.value)?.constructor?.name || '(anonymous class)';
    throw new SerializationError(
      `argument ${where} is ${describeValue(e.value)}, which would reach the worker as a plain object without its methods: register the class where it is exported, registerClass(${name}, { module: import.meta.url }), or pass plain data`,
    );
  }
}

class Unregistered {
  constructor(readonly value: object) {}
}

const CLASS_TAG = '__parslClass';

interface ClassWire {
  readonly [CLASS_TAG]: ClassRef;
  readonly fields: Record<string, unknown>;
}

function isClassWire(v: object): v is ClassWire {
  return CLASS_TAG in v && typeof (v as ClassWire).fields === 'object';
}

function encode(v: unknown, strict: boolean): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof File) return fileToWire(v);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const e = encode(v[i], strict);
      if (e !== v[i] && out === null) out = v.slice(0, i);
      if (out !== null) out.push(e);
    }
    return out ?? v;
  }
  if (isPlainObject(v)) return encodeFields(v, strict);
  if (v instanceof Map) return mapEntries(v, (x) => encode(x, strict));
  if (v instanceof Set) return mapItems(v, (x) => encode(x, strict));
  if (isBuiltinObject(v)) return v;
  const ref = classRefOf(Object.getPrototypeOf(v)?.constructor);
  if (ref !== undefined) {
    const wire: ClassWire = { [CLASS_TAG]: ref, fields: encodeFields({ ...v }, strict) };
    return wire;
  }
  if (strict) throw new Unregistered(v);
  return v;
}

function encodeFields(v: Record<string, unknown>, strict: boolean): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(v)) {
    const x = v[k];
    const e = encode(x, strict);
    if (e !== x) {
      out ??= { ...v };
      out[k] = e;
    }
  }
  return out ?? v;
}

/** `m` with `f` applied to every key and value; `m` itself when nothing changed. */
export function mapEntries(m: Map<unknown, unknown>, f: (v: unknown) => unknown): Map<unknown, unknown> {
  let changed = false;
  const entries: [unknown, unknown][] = [];
  for (const [k, x] of m) {
    const fk = f(k);
    const fx = f(x);
    changed ||= fk !== k || fx !== x;
    entries.push([fk, fx]);
  }
  return changed ? new Map(entries) : m;
}

/** `s` with `f` applied to every item; `s` itself when nothing changed. */
export function mapItems(s: Set<unknown>, f: (v: unknown) => unknown): Set<unknown> {
  const items = [...s];
  const out = items.map(f);
  return out.every((x, i) => x === items[i]) ? s : new Set(out);
}

/**
 * Inverse of {@link encodeValue}, run on the receiving side. A registered class whose module is not loaded here
 * yet is pushed on `pending` and its wire left in place (load them with `loadClass`, then decode again); without
 * `pending` such an instance arrives as its plain fields.
 */
export function decodeValue(v: unknown, pending?: ClassRef[]): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isFileWire(v)) return fileFromWire(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = decodeValue(v[i], pending);
    return v;
  }
  if (isPlainObject(v)) {
    if (isClassWire(v)) return decodeInstance(v, pending);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = decodeValue(o[k], pending);
    return v;
  }
  if (v instanceof Map) return mapEntries(v, (x) => decodeValue(x, pending));
  if (v instanceof Set) return mapItems(v, (x) => decodeValue(x, pending));
  return v;
}

function decodeInstance(w: ClassWire, pending: ClassRef[] | undefined): unknown {
  const cls = loadedClass(w[CLASS_TAG].id);
  if (cls === undefined) {
    if (pending === undefined) return decodeValue(w.fields);
    pending.push(w[CLASS_TAG]);
    return w;
  }
  return Object.assign(Object.create(cls.prototype as object) as object, decodeValue(w.fields, pending));
}

/** Where `target` sits inside `args`, as `0`, `1.point`, `2[3]` (for messages; searched only on failure). */
function pathTo(args: readonly unknown[], target: object): string | null {
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string): string | null => {
    if (v === target) return path;
    if (typeof v !== 'object' || v === null || seen.has(v)) return null;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = walk(v[i], `${path}[${i}]`);
        if (p !== null) return p;
      }
    } else if (v instanceof Map || v instanceof Set) {
      for (const x of v.values()) {
        const p = walk(x, `${path} (in a ${v instanceof Map ? 'Map' : 'Set'})`);
        if (p !== null) return p;
      }
    } else {
      for (const k of Object.keys(v)) {
        const p = walk((v as Record<string, unknown>)[k], `${path}.${k}`);
        if (p !== null) return p;
      }
    }
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const p = walk(args[i], String(i));
    if (p !== null) return p;
  }
  return null;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
