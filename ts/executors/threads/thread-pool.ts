import type { StagingProvider } from '../../data/staging.js';
import type { Executor, ExecutorContext, ExecutorTask, TaskDone } from '../base.js';
import { ThreadPoolEngine, type ThreadPoolStatistics } from './engine.js';
import { resolveThreadPoolOptions, type ThreadPoolOptions } from './options.js';

export type { ThreadPoolStatistics } from './engine.js';
export type { ThreadPoolOptions } from './options.js';

/**
 * Runs apps on a pool of Node.js worker threads in this process: Parsl's `ThreadPoolExecutor`, for CPU-bound
 * JavaScript and for bash apps on the local machine.
 *
 * Each thread runs one task at a time (an async app occupies its thread until it settles), so `maxThreads`
 * bounds concurrency. Tasks travel in batches sized by their observed duration; a function's source is sent
 * once per thread. An app that exceeds its walltime fails with `AppTimeout`: its thread interrupts it, or,
 * when it is blocked in a native call, the pool terminates and replaces the thread; a thread that dies fails its
 * running task with `WorkerLost`.
 *
 * ```ts
 * const dfk = await parsl.load(new parsl.Config({ executors: [new parsl.ThreadPoolExecutor({ maxThreads: 4 })] }));
 * ```
 */
export class ThreadPoolExecutor implements Executor {
  readonly label: string;
  readonly maxThreads: number;
  readonly storageAccess: readonly StagingProvider[] | null;
  readonly workingDir: string | null;
  readonly #engine: ThreadPoolEngine;

  constructor(options?: ThreadPoolOptions) {
    const o = resolveThreadPoolOptions(options);
    this.label = o.label;
    this.maxThreads = o.maxThreads;
    this.storageAccess = o.storageAccess;
    this.workingDir = o.workingDir;
    this.#engine = new ThreadPoolEngine(o);
  }

  /** Start the threads; rejects with `ScalingFailed` if they cannot start. */
  start(ctx: ExecutorContext): Promise<void> {
    return this.#engine.start(ctx.logger);
  }

  submit(task: ExecutorTask, done: TaskDone): void {
    this.#engine.submit(task, done);
  }

  outstanding(): number {
    return this.#engine.outstanding();
  }

  /** Counters for tests and benchmarks (threads, batches, sources sent, requeued tasks). */
  statistics(): ThreadPoolStatistics {
    return this.#engine.statistics();
  }

  /** Terminate the threads (killing running bash apps); tasks not finished fail with `BadStateException`. */
  unref(): void {
    this.#engine.unref();
  }

  shutdown(): Promise<void> {
    return this.#engine.shutdown();
  }
}
