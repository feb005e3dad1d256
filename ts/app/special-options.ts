import { File } from '../data/file.js';
import type { DataFuture } from '../dataflow/future.js';
import type { AutoStream, TaskOptions } from '../dataflow/task-options.js';
import { describeValue } from '../describe.js';
import { ConfigurationError } from '../errors.js';
import { BadStdStreamFile } from '../execute/errors.js';
import type { StdStream } from '../execute/task-wire.js';
import { isPlainObject } from '../serialize/values.js';

/** Ask the kernel to pick a stdout/stderr path under `<runDir>/task_logs/` (shown in `future.stdout`). */
export const AUTO_LOGNAME: unique symbol = Symbol.for('parsl-ts.AUTO_LOGNAME');

/** A `stdout`/`stderr` specification: a path (appended), `[path, 'w' | 'a']`, a File (truncated) or AUTO_LOGNAME. */
export type StdSpec = string | readonly [string, 'w' | 'a' | 'w+' | 'a+'] | File | typeof AUTO_LOGNAME;

/**
 * The keyword object: the last argument of an app call when it is a plain object. It is passed to the function
 * (with futures resolved and `stdout`/`stderr` replaced by their paths); these keys are special.
 */
export interface AppKwargs {
  /** Files and futures the task needs; scanned for dependencies. */
  inputs?: ReadonlyArray<unknown>;
  /** Files the task produces: each becomes a DataFuture in `future.outputs`. */
  outputs?: File[];
  stdout?: StdSpec;
  stderr?: StdSpec;
  /** Seconds; a task running longer fails with AppTimeout (its process group or thread is stopped). */
  walltime?: number;
  /** Executor-specific resources, e.g. `{ priority: 1 }` (HTEX) or `{ numRanks: 4 }` (MPIExecutor). */
  resourceSpecification?: Record<string, unknown>;
  /** Added to AUTO_LOGNAME paths, `task_0000_foo_<label>.stdout` (passed to the function like any keyword). */
  label?: string;
  [key: string]: unknown;
}

/** The keyword object as the app body sees it: streams are resolved paths, outputs are Files. */
export interface ResolvedAppKwargs {
  inputs: unknown[];
  outputs: File[];
  stdout?: string;
  stderr?: string;
  walltime?: number;
  [key: string]: unknown;
}

/** Arguments may be given as values or as futures of those values. */
export type MaybeFuture<T> = T | PromiseLike<T> | DataFuture;

const AUTO: AutoStream = Object.freeze({ auto: true });

/**
 * Read the special keys of a call's keyword object into the options the kernel acts on. Never throws: a bad
 * value becomes `invalid`, so the task fails at launch and the call itself still returns a future.
 */
export function readKeywords(keywords: Readonly<Record<string, unknown>>): TaskOptions {
  const kwargs = { ...keywords };
  try {
    const stdout = readStream(kwargs, 'stdout');
    const stderr = readStream(kwargs, 'stderr');
    const outputs = readOutputs(kwargs);
    return {
      kwargs,
      stdout,
      stderr,
      outputs,
      localOutputs: outputs.filter((f) => f.scheme === 'file' || f.localPath !== null).map((f) => f.filepath),
      walltimeMs: readWalltime(kwargs.walltime),
      resourceSpecification: readResourceSpecification(kwargs.resourceSpecification),
      invalid: null,
    };
  } catch (e) {
    return {
      kwargs,
      stdout: null,
      stderr: null,
      outputs: [],
      localOutputs: [],
      walltimeMs: null,
      resourceSpecification: null,
      invalid: e instanceof Error ? e : new Error(String(e)),
    };
  }
}

/** Reads one stream and puts its path in the keyword object (an AUTO_LOGNAME path is filled in by the kernel). */
function readStream(kw: Record<string, unknown>, which: 'stdout' | 'stderr'): StdStream | AutoStream | null {
  const v = kw[which];
  if (v === undefined || v === null) return null;
  if (v === AUTO_LOGNAME) return AUTO;
  let s: StdStream;
  if (typeof v === 'string') s = { path: v, mode: 'a' };
  else if (v instanceof File) s = { path: v.filepath, mode: 'w' };
  else if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
    const mode = v[1].replace('+', '');
    if (mode !== 'w' && mode !== 'a') {
      throw new BadStdStreamFile(`${which} mode must be 'w' or 'a' (got '${v[1]}')`);
    }
    s = { path: v[0], mode };
  } else {
    throw new BadStdStreamFile(
      `${which} must be a path, [path, mode], a File or AUTO_LOGNAME; got ${describeValue(v)}`,
    );
  }
  kw[which] = s.path;
  return s;
}

function readOutputs(kw: Record<string, unknown>): File[] {
  if (kw.outputs === undefined) return [];
  if (!Array.isArray(kw.outputs)) throw new ConfigurationError('outputs must be an array of File');
  const outputs = kw.outputs.map((o) => (o instanceof File ? o : new File(String(o))));
  kw.outputs = outputs;
  return outputs;
}

function readWalltime(w: unknown): number | null {
  if (w === undefined) return null;
  if (typeof w !== 'number' || !(w > 0)) {
    throw new ConfigurationError(`walltime must be a positive number of seconds, got ${String(w)}`);
  }
  return Math.round(w * 1000);
}

function readResourceSpecification(spec: unknown): Readonly<Record<string, unknown>> | null {
  if (spec === undefined) return null;
  if (!isPlainObject(spec)) throw new ConfigurationError('resourceSpecification must be a plain object');
  return spec as Record<string, unknown>;
}

/** The keyword object of a call (its last argument when that is a plain object), or null. */
export function keywordObject(args: readonly unknown[]): Readonly<Record<string, unknown>> | null {
  const last = args[args.length - 1];
  return args.length > 0 && isPlainObject(last) ? (last as Record<string, unknown>) : null;
}
