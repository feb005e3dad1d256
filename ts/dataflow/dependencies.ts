import { isThenable } from '../describe.js';
import { isPlainObject, mapEntries, mapItems } from '../serialize/values.js';
import { Future } from './future.js';

/**
 * Dependencies are found anywhere in the arguments: directly, or nested in arrays, plain objects, Maps (keys and
 * values) and Sets (Parsl's deep resolver, on by default here because shallow resolution surprises users,
 * #3108; it resolves in every container it scans). Plain Promises and
 * other thenables are adopted into kernel futures so the launch decision can read them synchronously.
 */
export interface Dependencies {
  readonly futures: Future<unknown>[];
  /** Kernel futures standing in for foreign thenables, by identity. Null when there are none. */
  readonly adopted: Map<PromiseLike<unknown>, Future<unknown>> | null;
}

export function collectDependencies(args: readonly unknown[]): Dependencies | null {
  let futures: Future<unknown>[] | null = null;
  let adopted: Map<PromiseLike<unknown>, Future<unknown>> | null = null;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null) return;
    if (v instanceof Future) {
      (futures ??= []).push(v);
      return;
    }
    if (isThenable(v)) {
      adopted ??= new Map();
      if (!adopted.has(v)) {
        const f = adopt(v);
        adopted.set(v, f);
        (futures ??= []).push(f);
      }
      return;
    }
    if (depth > 64) return;
    if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (isPlainObject(v)) for (const k in v) visit(v[k], depth + 1);
    else if (v instanceof Set) for (const x of v) visit(x, depth + 1);
    else if (v instanceof Map)
      for (const [k, x] of v) {
        visit(k, depth + 1);
        visit(x, depth + 1);
      }
  };
  for (const a of args) visit(a, 0);
  return futures === null ? null : { futures, adopted };
}

/** A dependency that failed, with a description for the DependencyError ("task 3", "DataFuture from task 4"). */
export type DependencyFailure = readonly [Error, string];

/** Replace every future in the arguments by its value; containers are copied only where something changed. */
export function resolveArguments(
  args: readonly unknown[],
  deps: Dependencies,
  failures: DependencyFailure[],
): unknown[] {
  const sub = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof Future) return settledValueOf(v, failures);
    if (isThenable(v)) return settledValueOf(deps.adopted?.get(v) as Future<unknown>, failures);
    if (depth > 64) return v;
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const r = sub(v[i], depth + 1);
        if (r !== v[i] && out === null) out = v.slice(0, i);
        if (out !== null) out.push(r);
      }
      return out ?? v;
    }
    if (isPlainObject(v)) {
      let out: Record<string, unknown> | null = null;
      for (const k in v) {
        const r = sub(v[k], depth + 1);
        if (r !== v[k]) {
          out ??= { ...v };
          out[k] = r;
        }
      }
      return out ?? v;
    }
    if (v instanceof Set) return mapItems(v, (x) => sub(x, depth + 1));
    if (v instanceof Map) return mapEntries(v, (x) => sub(x, depth + 1));
    return v;
  };
  return args.map((a) => sub(a, 0));
}

function settledValueOf(f: Future<unknown>, failures: DependencyFailure[]): unknown {
  if (f.settledOk) return f.settledValue;
  failures.push([f.settledValue as Error, describe(f)]);
  return undefined;
}

function describe(f: Future<unknown>): string {
  const tid = (f as { tid?: unknown }).tid;
  if (typeof tid === 'number') {
    return 'parent' in (f as object) ? `DataFuture from task ${tid}` : `task ${tid}`;
  }
  return 'a Promise argument';
}

function adopt(p: PromiseLike<unknown>): Future<unknown> {
  const f = new Future<unknown>();
  p.then(
    (v) => f.setResult(v),
    (e: unknown) => f.setException(e instanceof Error ? e : new Error(String(e))),
  );
  return f;
}
