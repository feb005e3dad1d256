import { availableParallelism } from 'node:os';
import { ConfigurationError } from '../../errors.js';

/** Options of {@link ThreadPoolExecutor}. */
export interface ThreadPoolOptions {
  /**
   * The executor's name, used in `app(fn, { executors: [label] })`.
   * @default 'threads'
   */
  readonly label?: string;
  /**
   * Number of worker threads; each runs one task at a time, so this bounds concurrency.
   * @default os.availableParallelism()
   */
  readonly maxThreads?: number;
}

/** {@link ThreadPoolOptions} with every default filled in. */
export interface ResolvedThreadPoolOptions {
  readonly label: string;
  readonly maxThreads: number;
}

const KNOWN = new Set(['label', 'maxThreads']);

export function resolveThreadPoolOptions(opts: unknown): ResolvedThreadPoolOptions {
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ConfigurationError('ThreadPoolExecutor options must be an object like { label, maxThreads }');
  }
  for (const k of Object.keys(opts)) {
    if (!KNOWN.has(k)) {
      throw new ConfigurationError(
        `ThreadPoolExecutor: unknown option '${k}' (known options: ${[...KNOWN].join(', ')})`,
      );
    }
  }
  const o = opts as ThreadPoolOptions;
  const label = o.label ?? 'threads';
  if (typeof label !== 'string' || label.length === 0) {
    throw new ConfigurationError(
      `ThreadPoolExecutor: 'label' must be a non-empty string, got ${describe(o.label)}`,
    );
  }
  const maxThreads = o.maxThreads ?? availableParallelism();
  if (typeof maxThreads !== 'number' || !Number.isInteger(maxThreads) || maxThreads < 1) {
    throw new ConfigurationError(
      `ThreadPoolExecutor: 'maxThreads' must be a positive integer, got ${describe(o.maxThreads)}`,
    );
  }
  return { label, maxThreads };
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : `${String(v)} (${typeof v})`;
}
