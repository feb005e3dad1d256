import type { File } from '../data/file.js';
import type { DataFuture } from '../dataflow/future.js';

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
