import type { DataFlowKernel } from '../dataflow/dflow.js';
import { currentKernel } from '../dataflow/dflow.js';
import type { AppFuture } from '../dataflow/future.js';
import type { AppDefinition } from '../dataflow/task-record.js';
import { ConfigurationError } from '../errors.js';
import { describeFunction, type ModuleReference } from '../serialize/function-ref.js';
import { keywordObject, readKeywords } from './special-options.js';

/** Options shared by app(), bashApp() and joinApp(). */
export interface AppOptions {
  /** Executor labels this app may run on; 'all' (default) picks among every configured executor. */
  executors?: 'all' | string[];
  /** Reuse results of equivalent earlier invocations (needs Config.appCache, on by default). */
  cache?: boolean;
  /** Keyword names left out of the cache hash. */
  ignoreForCache?: string[];
  /** Send the function to workers by module reference (`import.meta.url`) instead of by source. */
  module?: string;
  /** The export's name when it differs from the function's name (with `module`). */
  exportName?: string;
  /** A name for logs and AUTO_LOGNAME paths (defaults to the function's name). */
  name?: string;
  /** Submit to this kernel instead of the loaded one. */
  dfk?: DataFlowKernel;
}

/** The parameter types of an app's function. */
export type Args<F> = F extends (...a: infer A) => unknown ? A : never;
/** Each argument may also be given as a future or Promise of its type. */
export type Futurized<A extends unknown[]> = { [K in keyof A]: A[K] | PromiseLike<A[K]> };
/** What an app's future resolves to: its function's result, awaited. */
export type Ret<F> = F extends (...a: never[]) => infer R ? Awaited<R> : never;
/** What a join app's future resolves to: the inner future's value, or the values of an array of futures. */
export type JoinRet<F> = F extends (...a: never[]) => infer R
  ? Awaited<R> extends ReadonlyArray<infer E>
    ? Awaited<E>[]
    : Awaited<R>
  : never;

/** A JS/TS function turned into an app: calling it returns an AppFuture. */
export type App<F> = ((...args: Futurized<Args<F>>) => AppFuture<Ret<F>>) & {
  readonly definition: AppDefinition;
};

/** Declare a JS/TS app (Parsl's `@python_app`). */
export function app<F extends (...args: never[]) => unknown>(fn: F, options: AppOptions = {}): App<F> {
  return makeApp('js', fn, options) as App<F>;
}

/** Declare a bash app: the function returns a command line run with /bin/bash; the result is its exit code 0. */
export function bashApp<F extends (...args: never[]) => string | undefined | Promise<string | undefined>>(
  fn: F,
  options: AppOptions = {},
): ((...args: Futurized<Args<F>>) => AppFuture<number>) & { readonly definition: AppDefinition } {
  return makeApp('bash', fn, options) as never;
}

/** Declare a join app: it runs in this process, calls other apps and returns their future(s). */
export function joinApp<F extends (...args: never[]) => unknown>(
  fn: F,
  options: Omit<AppOptions, 'executors' | 'module' | 'exportName'> = {},
): ((...args: Futurized<Args<F>>) => AppFuture<JoinRet<F>>) & { readonly definition: AppDefinition } {
  return makeApp('join', fn, options) as never;
}

const OPTION_KEYS = new Set(['executors', 'cache', 'ignoreForCache', 'module', 'exportName', 'name', 'dfk']);

// biome-ignore lint/complexity/noBannedTypes: any function may be an app body
function makeApp(kind: AppDefinition['kind'], fn: Function, options: AppOptions) {
  if (typeof fn !== 'function') throw new ConfigurationError(`an app needs a function, got ${typeof fn}`);
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.has(k)) throw new ConfigurationError(`unknown app option '${k}'`);
  }
  const executors = options.executors ?? 'all';
  if (executors !== 'all' && (!Array.isArray(executors) || executors.some((e) => typeof e !== 'string'))) {
    throw new ConfigurationError("app option 'executors' must be 'all' or an array of executor labels");
  }
  const ref: ModuleReference | undefined = options.module
    ? { module: options.module, exportName: options.exportName }
    : undefined;
  const definition: AppDefinition = Object.freeze({
    name: options.name ?? (fn.name || 'anonymous'),
    kind,
    func: fn,
    fn: describeFunction(fn, ref),
    executors: executors === 'all' ? 'all' : Object.freeze([...executors]),
    cache: options.cache ?? false,
    ignoreForCache: Object.freeze([...(options.ignoreForCache ?? [])]),
  });
  const pinned = options.dfk;
  const invoke = (...args: unknown[]) => {
    const dfk = pinned ?? currentKernel();
    const kw = keywordObject(args);
    if (kw === null) return dfk.submit(definition, args);
    const options = readKeywords(kw);
    args[args.length - 1] = options.kwargs;
    return dfk.submit(definition, args, options);
  };
  Object.defineProperty(invoke, 'definition', { value: definition });
  Object.defineProperty(invoke, 'name', { value: definition.name });
  return invoke;
}
