import { performance } from 'node:perf_hooks';
import { Script } from 'node:vm';
import { isThenable } from '../describe.js';
import { AppTimeout } from './errors.js';

/**
 * The one walltime policy of every host (in-process, worker thread, HTEX worker, MPI rank, MPI-app task).
 *
 * 1. Where the task runs, its synchronous body is bounded by V8 itself: the app is called from a script run
 *    with a timeout, so a busy loop is interrupted (TerminateExecution) and fails with `AppTimeout`; the thread
 *    lives on. A returned promise is raced against the walltime left. A bash app's process group is killed.
 * 2. A host that can kill the worker (a thread, a worker process, an MPI-app task process) keeps an
 *    {@link OverrunWatch}: the worker reports each task with a walltime as it starts, and a task that has not
 *    reported back by walltime + {@link backstopMs} (a body blocked in a native call, which V8 cannot interrupt)
 *    has its worker killed and replaced. MPI worker ranks cannot be replaced and rely on the bound of step 1.
 */

/** The AppTimeout of every host: one wording, naming the app and its walltime. */
export function appTimeout(appName: string, walltimeMs: number): AppTimeout {
  return new AppTimeout(`app ${appName} exceeded its walltime of ${walltimeMs / 1000} s`);
}

/**
 * How long past the walltime a host waits before killing a worker whose task has not reported. A JS app's
 * own bound fires at the walltime, so the margin only covers the trip of its result; a bash app's command
 * function is bounded too, but killing its process group and collecting its streams take longer.
 */
export function backstopMs(kind: 'js' | 'bash'): number {
  return kind === 'js' ? 1000 : 5000;
}

const CALL = Symbol.for('parsl-ts.execute.callWithin');
type Slot = { [CALL]?: () => unknown };
// A script compiled once; it calls whatever this module put in the slot, so `runInThisContext`'s timeout
// bounds the call (and only the synchronous part of it).
const callScript = new Script(`globalThis[Symbol.for('parsl-ts.execute.callWithin')]()`, {
  filename: 'parsl-ts:walltime',
});

/**
 * Call `fn(...args)` so that it cannot run longer than `walltimeMs`: a synchronous overrun throws
 * {@link appTimeout} (V8 stops the body wherever it is), a returned promise settles no later than the walltime
 * (then rejects with it; the promise's own work cannot be cancelled and is abandoned). Costs a watchdog thread
 * wake-up per call: use it only for tasks that have a walltime.
 */
export function callWithin(
  appName: string,
  walltimeMs: number,
  // biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
  fn: Function,
  args: readonly unknown[],
): unknown {
  const t0 = performance.now();
  const slot = globalThis as Slot;
  const outer = slot[CALL];
  slot[CALL] = () => fn(...args);
  let r: unknown;
  try {
    r = callScript.runInThisContext({ timeout: Math.max(1, Math.ceil(walltimeMs)) });
  } catch (e) {
    // A vm timeout inside the body keeps its own error; ours fires once the walltime is used up (the
    // watchdog's clock has millisecond steps, hence the small margin).
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' && performance.now() - t0 + 2 >= walltimeMs)
      throw appTimeout(appName, walltimeMs);
    throw e;
  } finally {
    slot[CALL] = outer;
  }
  if (!isThenable(r)) return r;
  return raceWalltime(r, appName, walltimeMs, walltimeMs - (performance.now() - t0));
}

/** Settle with `p`, or reject with {@link appTimeout} once `leftMs` have passed. */
export function raceWalltime(
  p: PromiseLike<unknown>,
  appName: string,
  walltimeMs: number,
  leftMs: number,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(appTimeout(appName, walltimeMs)), Math.max(0, leftMs));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * A host's backstop: per worker, the task with a walltime it is running and a timer at walltime + backstop.
 * `onOverrun` runs when the timer fires; the host then kills the worker, fails that task with
 * {@link appTimeout} and serves on with a new worker. Each worker runs one task at a time, so one entry each.
 */
export class OverrunWatch<W, T> {
  readonly #onOverrun: (worker: W, task: T) => void;
  readonly #watched = new Map<W, { readonly task: T; readonly timer: NodeJS.Timeout }>();

  constructor(onOverrun: (worker: W, task: T) => void) {
    this.#onOverrun = onOverrun;
  }

  /** Tasks watched now (0 on the hot path of hosts without walltimes). */
  get size(): number {
    return this.#watched.size;
  }

  /** `task`, which has a walltime, started on `worker`. */
  started(worker: W, task: T, kind: 'js' | 'bash', walltimeMs: number): void {
    this.forget(worker);
    const timer = setTimeout(() => {
      this.#watched.delete(worker);
      this.#onOverrun(worker, task);
    }, walltimeMs + backstopMs(kind));
    this.#watched.set(worker, { task, timer });
  }

  /** The task watched on `worker`, if any. */
  watching(worker: W): T | undefined {
    return this.#watched.get(worker)?.task;
  }

  /** Stop watching `worker` (its task reported, or the worker is gone). */
  forget(worker: W): void {
    const e = this.#watched.get(worker);
    if (e === undefined) return;
    clearTimeout(e.timer);
    this.#watched.delete(worker);
  }

  /** Stop every timer (the host stops). */
  clear(): void {
    for (const e of this.#watched.values()) clearTimeout(e.timer);
    this.#watched.clear();
  }
}
