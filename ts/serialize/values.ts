import { File, fileFromWire, fileToWire, isFileWire } from '../data/file.js';

/**
 * Values cross threads, processes and MPI ranks by v8 structured serialization, which keeps Maps, Sets, Dates,
 * typed arrays, bigints and cycles but drops classes. `File` is the one class tasks rely on, so it travels in a
 * tagged wire form inside arrays and plain objects. Containers are copied only when something inside changes.
 */
export function encodeValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof File) return fileToWire(v);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const e = encodeValue(v[i]);
      if (e !== v[i] && out === null) out = v.slice(0, i);
      if (out !== null) out.push(e);
    }
    return out ?? v;
  }
  if (isPlainObject(v)) {
    let out: Record<string, unknown> | null = null;
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      const e = encodeValue(x);
      if (e !== x) {
        out ??= { ...(v as Record<string, unknown>) };
        out[k] = e;
      }
    }
    return out ?? v;
  }
  return v;
}

/** Inverse of {@link encodeValue}, run on the receiving side. */
export function decodeValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isFileWire(v)) return fileFromWire(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = decodeValue(v[i]);
    return v;
  }
  if (isPlainObject(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = decodeValue(o[k]);
  }
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
