import { performance } from 'node:perf_hooks';
import {
  readStagingOptions,
  STAGING_KEYS,
  type StagingOptions,
  type StagingProvider,
} from '../data/staging.js';
import { isThenable } from '../describe.js';
import { ConfigurationError } from '../errors.js';
import { runBashApp } from '../execute/bash-exec.js';
import { callWithin } from '../execute/walltime.js';
import { localReport } from '../execute/worker-report.js';
import { type KeySet, OptionReader } from '../options.js';
import type { Executor, ExecutorContext, ExecutorTask, TaskDone, TaskOutcome } from './base.js';

export interface InProcessExecutorOptions extends StagingOptions {
  /** @default 'in-process' */
  label?: string;
}

const KNOWN = { ...STAGING_KEYS, label: true } satisfies KeySet<InProcessExecutorOptions>;

/**
 * Runs apps on the submitting thread, without serialization: for tests, debugging, I/O-bound async apps,
 * and for measuring the kernel's own per-task cost. A synchronous app blocks the event loop while it runs
 * (no longer than its walltime, like on every other executor).
 */
export class InProcessExecutor implements Executor {
  readonly label: string;
  readonly storageAccess: readonly StagingProvider[] | null;
  readonly workingDir: string | null;
  #queue: Array<[ExecutorTask, TaskDone]> = [];
  #scheduled = false;
  #outstanding = 0;
  #closed = false;

  constructor(options: InProcessExecutorOptions = {}) {
    const o = new OptionReader<InProcessExecutorOptions>('InProcessExecutor', options, KNOWN);
    this.label = o.name('label', 'in-process');
    ({ storageAccess: this.storageAccess, workingDir: this.workingDir } = readStagingOptions(o));
  }

  async start(_ctx: ExecutorContext): Promise<void> {}

  submit(task: ExecutorTask, done: TaskDone): void {
    this.#outstanding++;
    this.#queue.push([task, done]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // One microtask runs every task submitted in this turn: no per-task scheduling cost.
      queueMicrotask(() => this.#drain());
    }
  }

  outstanding(): number {
    return this.#outstanding;
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
  }

  #drain(): void {
    this.#scheduled = false;
    const q = this.#queue;
    this.#queue = [];
    for (const [task, done] of q) {
      const started =
        task.monitor === null || task.monitor === undefined ? 0 : performance.timeOrigin + performance.now();
      const finish = (o: TaskOutcome) => {
        this.#outstanding--;
        done(started === 0 ? o : { ...o, worker: localReport(started) });
      };
      if (this.#closed) {
        finish({ ok: false, error: new ConfigurationError(`executor ${this.label} is shut down`) });
        continue;
      }
      if (task.kind === 'js') {
        // Synchronous bodies complete here without a promise per task.
        let r: unknown;
        try {
          r =
            task.walltimeMs === null
              ? task.func(...task.args)
              : callWithin(task.appName, task.walltimeMs, task.func, task.args);
        } catch (e) {
          finish({ ok: false, error: e instanceof Error ? e : new Error(String(e)) });
          continue;
        }
        if (!isThenable(r)) {
          finish({ ok: true, value: r });
          continue;
        }
        this.#settle(Promise.resolve(r), finish);
        continue;
      }
      this.#settle(this.#runBash(task), finish);
    }
  }

  #settle(p: Promise<unknown>, finish: (o: TaskOutcome) => void): void {
    p.then(
      (value) => finish({ ok: true, value }),
      (e: unknown) => finish({ ok: false, error: e instanceof Error ? e : new Error(String(e)) }),
    );
  }

  #runBash(task: ExecutorTask): Promise<unknown> {
    return runBashApp(
      task.appName,
      task.func,
      [...task.args],
      task.bash ?? { stdout: null, stderr: null, outputs: [] },
      task.walltimeMs,
    );
  }
}
