import { availableParallelism } from 'node:os';
import {
  type ResolvedStagingOptions,
  readStagingOptions,
  STAGING_KEYS,
  type StagingOptions,
} from '../../data/staging.js';
import { type KeySet, OptionReader } from '../../options.js';

/** Options of {@link ThreadPoolExecutor}. */
export interface ThreadPoolOptions extends StagingOptions {
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
export interface ResolvedThreadPoolOptions extends ResolvedStagingOptions {
  readonly label: string;
  readonly maxThreads: number;
}

const KNOWN = { ...STAGING_KEYS, label: true, maxThreads: true } satisfies KeySet<ThreadPoolOptions>;

export function resolveThreadPoolOptions(opts: unknown): ResolvedThreadPoolOptions {
  const o = new OptionReader<ThreadPoolOptions>('ThreadPoolExecutor', opts, KNOWN);
  return {
    ...readStagingOptions(o),
    label: o.name('label', 'threads'),
    maxThreads: o.int('maxThreads', availableParallelism()),
  };
}
