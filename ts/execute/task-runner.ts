import { isThenable } from '../describe.js';
import { type ClassRef, loadClass } from '../serialize/classes.js';
import type { FunctionLoader } from '../serialize/function-ref.js';
import { toRemoteError } from '../serialize/remote-error.js';
import { decodeValue, encodeValue } from '../serialize/values.js';
import { runBashApp } from './bash-exec.js';
import type { ResultWire, TaskWire } from './task-wire.js';
import { callWithin } from './walltime.js';

/**
 * Run one task on a worker and describe its outcome as wire data. Synchronous JS apps complete synchronously
 * (no promise per task on the hot path); async apps, bash apps and module-loaded functions return a promise.
 * A task with a walltime runs within it (`walltime.ts`).
 */
export function runTask(w: TaskWire, loader: FunctionLoader): ResultWire | Promise<ResultWire> {
  // biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
  let fn: Function | undefined;
  try {
    fn = w.fn.kind === 'source' ? loader.compile(w.fn) : loader.get(w.fn);
  } catch (e) {
    return failed(w.id, e);
  }
  if (fn === undefined) {
    return loader.load(w.fn).then(
      (f) => execute(w, f),
      (e) => failed(w.id, e),
    );
  }
  return execute(w, fn);
}

// biome-ignore lint/complexity/noBannedTypes: see above
function execute(w: TaskWire, fn: Function): ResultWire | Promise<ResultWire> {
  const pending: ClassRef[] = [];
  const args = decodeValue(w.args, pending) as unknown[];
  if (pending.length === 0) return call(w, fn, args);
  // Instances of registered classes whose modules this worker has not imported yet.
  return Promise.all(pending.map(loadClass)).then(
    () => call(w, fn, decodeValue(args) as unknown[]),
    (e) => failed(w.id, e),
  );
}

// biome-ignore lint/complexity/noBannedTypes: see above
function call(w: TaskWire, fn: Function, args: unknown[]): ResultWire | Promise<ResultWire> {
  if (w.kind === 'bash') {
    return runBashApp(
      w.appName,
      fn,
      args,
      w.bash ?? { stdout: null, stderr: null, outputs: [] },
      w.walltimeMs,
    ).then(
      (v) => succeeded(w.id, v),
      (e) => failed(w.id, e),
    );
  }
  let r: unknown;
  try {
    r = w.walltimeMs === null ? fn(...args) : callWithin(w.appName, w.walltimeMs, fn, args);
  } catch (e) {
    return failed(w.id, e);
  }
  if (!isThenable(r)) return succeeded(w.id, r);
  return Promise.resolve(r).then(
    (v) => succeeded(w.id, v),
    (e) => failed(w.id, e),
  );
}

function succeeded(id: number, value: unknown): ResultWire {
  return { id, ok: true, value: encodeValue(value) };
}

function failed(id: number, e: unknown): ResultWire {
  if (e instanceof ReferenceError) {
    e.message +=
      ' (app functions are sent to workers by source and must be self-contained: pass the value as an argument, require/import it inside the function, or declare the app from a module with { module: import.meta.url })';
  }
  return { id, ok: false, error: toRemoteError(e) };
}
