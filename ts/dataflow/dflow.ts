import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { File } from '../data/file.js';
import { describeValue, isThenable } from '../describe.js';
import { ConfigurationError, IllegalStateError } from '../errors.js';
import type { Executor, ExecutorTask, StdStream, TaskOutcome, WorkerReport } from '../executors/base.js';
import { getLogger, type LogHandle, setFileLogger } from '../logging.js';
import { DataManager } from '../staging/data-manager.js';
import { collectDependencies, type DependencyFailure, resolveArguments } from './dependencies.js';
import { DependencyError, JoinError, NoDataFlowKernelError } from './errors.js';
import { ExitHandling } from './exit-handling.js';
import { type AppFuture, DataFuture, Future } from './future.js';
import type { KernelConfig } from './kernel-config.js';
import { createMemoizer } from './memo/app-cache.js';
import type { Memoizer } from './memo/memoizer.js';
import type { KernelObserver, TaskStateWatcher } from './observer.js';
import { autoLogPath, makeRunDir } from './rundir.js';
import { FINAL_STATES, stateName, TaskState } from './states.js';
import type { AutoStream, TaskOptions } from './task-options.js';
import { type AppDefinition, TaskRecord } from './task-record.js';

const log = getLogger('parsl.dataflow');
const NO_FILES: readonly File[] = Object.freeze([]);

/** Something started with the kernel and closed at cleanup (the job status poller of block executors). */
export interface KernelService {
  close(): Promise<void>;
}

/**
 * Starts a service for a kernel whose executors have started, with the configuration the kernel was started
 * with; resolves to null when there is nothing to run (e.g. no executor has blocks).
 */
export type KernelServiceStarter<C extends KernelConfig = KernelConfig> = (
  dfk: DataFlowKernel,
  config: C,
) => Promise<KernelService | null>;

export interface KernelStartOptions<C extends KernelConfig = KernelConfig> {
  /**
   * Services started after the executors and closed at cleanup, before the executors shut down.
   * `parsl.load()` passes the job status poller (`startJobStatusPoller`), which scales block executors.
   * @default []
   */
  readonly services?: readonly KernelServiceStarter<C>[];
}

/**
 * The DataFlowKernel: turns app calls into tasks, waits for their dependencies, launches them on executors,
 * retries failures, and completes their futures. One is loaded per process with `parsl.load()`.
 */
export class DataFlowKernel {
  readonly runId = randomUUID();
  readonly #executors = new Map<string, Executor>();
  readonly #labels: string[];
  readonly #tasks = new Map<number, TaskRecord>();
  /** Tasks per state, indexed by the TaskState number. */
  readonly #counts = new Float64Array(16);
  readonly #ready: TaskRecord[] = [];
  readonly #dependencyDone = (r: TaskRecord) => this.#enqueue(r);
  #draining = false;
  #taskCount = 0;
  #memoizer: Memoizer | null = null;
  #services: KernelService[] = [];
  #logHandle: LogHandle | null = null;
  #observer: KernelObserver | null = null;
  /** Watchers added with {@link watchTasks} (the `parsl-ts run` progress display). */
  #watchers: TaskStateWatcher[] = [];
  /** `ExecutorTask.monitor` of every task: what workers report with results. */
  #workerMonitor: number | null = null;
  #closing: Promise<void> | null = null;
  /** Holds the process while tasks are open and cleans up when it would exit (see exit-handling.ts). */
  readonly #exit = new ExitHandling(() => this.cleanup());
  readonly #data = new DataManager({ submit: (app, args) => this.submit(app, args) });

  private constructor(
    readonly config: KernelConfig,
    readonly runDir: string,
  ) {
    for (const e of config.executors) this.#executors.set(e.label, e);
    this.#labels = [...this.#executors.keys()];
  }

  /** Create the run directory, start logging, the memoizer, every executor, then the given services. */
  static async start<C extends KernelConfig>(
    config: C,
    options: KernelStartOptions<C> = {},
  ): Promise<DataFlowKernel> {
    const runDir = await makeRunDir(config.runDir);
    const dfk = new DataFlowKernel(config, runDir);
    dfk.#exit.install();
    dfk.#exit.hold(); // released when started, or by the failed start's cleanup
    if (config.initializeLogging)
      dfk.#logHandle = setFileLogger(join(runDir, 'parsl.log'), { level: 'info' });
    log.info(`parsl-ts DataFlowKernel starting: run ${dfk.runId} in ${runDir}`);
    try {
      dfk.#memoizer = createMemoizer(config, runDir);
      await dfk.#memoizer?.start();
      if (config.monitoring) {
        const observer = await config.monitoring.start({
          runId: dfk.runId,
          runDir,
          runDirBase: config.runDir,
          executors: config.executors,
        });
        dfk.#observer = observer;
        dfk.#workerMonitor = observer.workerSampling;
      }
      const ctx = {
        runDir,
        runId: dfk.runId,
        logger: getLogger('parsl.executors'),
        monitor: dfk.#observer?.executorMonitor ?? null,
      };
      await Promise.all(config.executors.map((e) => e.start(ctx)));
      for (const e of config.executors) e.unref?.();
      for (const start of options.services ?? []) {
        const svc = await start(dfk, config);
        if (svc) dfk.#services.push(svc);
      }
    } catch (e) {
      await dfk.cleanup().catch(() => {});
      throw e;
    }
    dfk.#exit.release();
    return dfk;
  }

  /** The monitoring observer of this run (`Config.monitoring` started), or null. */
  get monitoring(): KernelObserver | null {
    return this.#observer;
  }

  get executors(): ReadonlyMap<string, Executor> {
    return this.#executors;
  }

  /** How many tasks were submitted so far. */
  get taskCount(): number {
    return this.#taskCount;
  }

  /**
   * Task records the kernel holds: tasks not final yet, plus every finished one when `garbageCollect` is false.
   * With the default it does not grow with the number of tasks done (what `parsl.map` relies on).
   */
  get heldTaskCount(): number {
    return this.#tasks.size;
  }

  /**
   * Call `watcher` on every task state change from now on (and `closed` when cleanup is complete), as
   * monitoring's observer is called: synchronously, so it must copy what it needs and return. Returns a function
   * that stops watching. A watcher that throws is removed.
   */
  watchTasks(watcher: TaskStateWatcher): () => void {
    this.#watchers = [...this.#watchers, watcher];
    return () => {
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
    };
  }

  /** Tasks per state name, e.g. `{ exec_done: 10, failed: 1 }`. */
  stateCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.#counts.forEach((n, s) => {
      if (n > 0) out[stateName(s)] = n;
    });
    return out;
  }

  /**
   * Submit one app invocation. Called by the functions app()/bashApp()/joinApp() return, with the call's
   * keyword options already read when its last argument is a keyword object.
   */
  submit(app: AppDefinition, callArgs: unknown[], options: TaskOptions | null = null): AppFuture<unknown> {
    if (this.#closing) {
      throw new NoDataFlowKernelError(
        'this DataFlowKernel has been cleaned up: load a new one with parsl.load()',
      );
    }
    const id = this.#taskCount++;
    const rec = new TaskRecord(id, app, callArgs, options !== null, this.#dependencyDone);
    if (options !== null) this.#applyOptions(rec, options);
    this.#stage(rec, options?.outputs ?? NO_FILES);
    this.#tasks.set(id, rec);
    this.#count(TaskState.pending, 1);
    this.#exit.hold(); // released by #finish
    const deps = collectDependencies(rec.args);
    rec.deps = deps;
    this.#observer?.taskState(rec, null, null);
    if (this.#watchers.length !== 0) this.#notifyWatchers(rec, null);
    if (deps !== null) {
      rec.pendingDeps = deps.futures.length + 1; // +1 held until every waiter is registered
      for (const f of deps.futures) f.addWaiter(rec);
      rec.pendingDeps--;
      if (rec.pendingDeps === 0) this.#enqueue(rec);
    } else {
      this.#enqueue(rec);
    }
    return rec.future;
  }

  /** Wait until every task submitted so far has reached a final state. */
  async waitForCurrentTasks(): Promise<void> {
    for (;;) {
      const open = [...this.#tasks.values()].filter((r) => !FINAL_STATES.has(r.state));
      if (open.length === 0) return;
      await Promise.all(open.map((r) => r.future.exception()));
    }
  }

  /** Write a checkpoint now (any checkpoint mode); resolves to the checkpoint directory. */
  async checkpoint(): Promise<string> {
    if (!this.#memoizer) {
      throw new IllegalStateError(
        'checkpointing needs the app cache: set Config.appCache (the default) to true',
      );
    }
    return this.#memoizer.checkpoint();
  }

  /**
   * Stop everything this kernel started: final checkpoint, block scale-in, executor shutdown, logs. Tasks that
   * have not finished fail with NoDataFlowKernelError so nothing awaits forever. Idempotent.
   */
  cleanup(): Promise<void> {
    this.#closing ??= this.#exit.holdWhile(() => this.#close());
    return this.#closing;
  }

  async #close(): Promise<void> {
    log.info(`DataFlowKernel cleanup starting; task states: ${JSON.stringify(this.stateCounts())}`);
    const errors: unknown[] = [];
    const attempt = async (what: string, f: () => Promise<void> | undefined) => {
      try {
        await f();
      } catch (e) {
        log.error(`cleanup: ${what} failed: ${(e as Error).message}`);
        errors.push(e);
      }
    };
    await attempt('memoizer', () => this.#memoizer?.close());
    for (const s of this.#services) await attempt('service', () => s.close());
    await Promise.all(
      [...this.#executors.values()].map((e) => attempt(`executor ${e.label} shutdown`, () => e.shutdown())),
    );
    const abandoned = new NoDataFlowKernelError(
      'the DataFlowKernel was cleaned up before this task finished',
    );
    for (const r of [...this.#tasks.values()]) {
      if (!FINAL_STATES.has(r.state)) this.#finish(r, TaskState.failed, { ok: false, error: abandoned });
    }
    if (this.#observer !== null) {
      const c = this.#counts;
      await this.#observer.close({
        completed: c[TaskState.exec_done]! + c[TaskState.memo_done]!,
        failed: c[TaskState.failed]! + c[TaskState.dep_fail]!,
      });
    }
    log.info('DataFlowKernel cleanup complete');
    for (const w of this.#watchers) w.closed?.();
    this.#watchers = [];
    await this.#logHandle?.close();
    this.#exit.uninstall();
    onCleanup(this);
    if (errors.length > 0) {
      throw new AggregateError(errors, `DataFlowKernel cleanup hit ${errors.length} error(s)`);
    }
  }

  // ---- launch ----------------------------------------------------------------------------------------

  /** Launch decisions run from one trampoline so a long chain of instant completions never deepens the stack. */
  #enqueue(rec: TaskRecord): void {
    this.#ready.push(rec);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#ready.length; i++) this.#launch(this.#ready[i]!);
    } finally {
      this.#ready.length = 0;
      this.#draining = false;
    }
  }

  #launch(rec: TaskRecord): void {
    if (rec.state !== TaskState.pending || this.#closing) return;
    if (rec.deps !== null) {
      const failures: DependencyFailure[] = [];
      rec.args = resolveArguments(rec.args, rec.deps, failures);
      rec.deps = null;
      if (failures.length > 0) {
        this.#finish(rec, TaskState.dep_fail, { ok: false, error: new DependencyError(failures, rec.id) });
        return;
      }
    }
    if (rec.invalid) {
      this.#fail(rec, rec.invalid);
      return;
    }
    try {
      if (this.#memoizer !== null && rec.app.cache && this.#checkMemo(rec)) return;
      if (rec.app.kind === 'join') this.#runJoin(rec);
      else this.#submitToExecutor(rec);
    } catch (e) {
      this.#fail(rec, e instanceof Error ? e : new Error(String(e)));
    }
  }

  #checkMemo(rec: TaskRecord): boolean {
    const hit = this.#memoizer!.check(rec);
    if (hit === null) return false;
    rec.fromMemo = true;
    this.#setState(rec, TaskState.launched);
    if ('outcome' in hit) queueMicrotask(() => this.#memoDone(rec, hit.outcome));
    else hit.pending.then((o) => this.#memoDone(rec, o));
    return true;
  }

  #memoDone(rec: TaskRecord, o: TaskOutcome): void {
    if (FINAL_STATES.has(rec.state)) return; // cleanup may have abandoned it meanwhile
    // The outcome may be another task's, worker report included: keep only the result.
    const own: TaskOutcome = o.ok ? { ok: true, value: o.value } : { ok: false, error: o.error };
    this.#finish(rec, o.ok ? TaskState.memo_done : TaskState.failed, own);
  }

  #submitToExecutor(rec: TaskRecord): void {
    // A task with Files had its executor chosen at submit, when its staging was decided.
    const executor = rec.staged ? rec.executor! : this.#chooseExecutor(rec.app);
    rec.executor = executor;
    let task: ExecutorTask = {
      id: rec.id,
      tryId: rec.tryId,
      appName: rec.app.name,
      kind: rec.app.kind === 'bash' ? 'bash' : 'js',
      func: rec.app.func,
      fn: rec.app.fn,
      args: rec.args,
      walltimeMs: rec.walltimeMs,
      bash: rec.bash,
      resourceSpecification: rec.resourceSpecification,
      monitor: this.#workerMonitor,
    };
    if (rec.staging !== null) task = this.#data.wrap(task, rec.staging, rec.app);
    const tryId = rec.tryId;
    this.#setState(rec, TaskState.launched);
    executor.submit(task, (outcome) => {
      if (rec.tryId === tryId) this.#executionDone(rec, outcome);
    });
  }

  #chooseExecutor(app: AppDefinition): Executor {
    const labels = app.executors === 'all' ? this.#labels : app.executors;
    const label = labels.length === 1 ? labels[0]! : labels[Math.floor(Math.random() * labels.length)]!;
    const e = this.#executors.get(label);
    if (!e) {
      throw new ConfigurationError(
        `app ${app.name} asks for executor '${label}', but the loaded config has only: ${this.#labels.join(', ')}`,
      );
    }
    return e;
  }

  // ---- completion --------------------------------------------------------------------------------------

  #executionDone(rec: TaskRecord, o: TaskOutcome): void {
    if (FINAL_STATES.has(rec.state)) return;
    if (o.ok) this.#finish(rec, TaskState.exec_done, o);
    else this.#fail(rec, o.error, o.worker ?? null);
  }

  /** A try failed: retry while the accumulated cost stays within `retries`, else fail the task. */
  #fail(rec: TaskRecord, error: Error, worker: WorkerReport | null = null): void {
    rec.failCount++;
    (rec.failures ??= []).push(`${error.name}: ${error.message}`);
    let reported = error;
    let cost = 1;
    const handler = this.config.retryHandler;
    if (handler) {
      try {
        cost = handler(error, rec);
        if (typeof cost !== 'number' || Number.isNaN(cost)) {
          throw new ConfigurationError(`retryHandler must return a number (a cost), got ${typeof cost}`);
        }
      } catch (he) {
        // A failing handler stops the retries and its error is what the user sees.
        reported = he instanceof Error ? he : new Error(String(he));
        cost = this.config.retries + 1;
      }
    }
    rec.failCost += cost;
    if (rec.failCost <= this.config.retries && !this.#closing) {
      this.#setState(rec, TaskState.fail_retryable, worker);
      rec.tryId++;
      this.#setState(rec, TaskState.pending);
      log.info(`task ${rec.id} failed (${error.name}); retry ${rec.failCount} of ${this.config.retries}`);
      this.#enqueue(rec);
      return;
    }
    this.#finish(
      rec,
      TaskState.failed,
      worker === null ? { ok: false, error: reported } : { ok: false, error: reported, worker },
    );
  }

  #finish(rec: TaskRecord, state: TaskState, o: TaskOutcome): void {
    rec.timeReturned = Date.now();
    if (this.#memoizer !== null && rec.app.cache && !rec.fromMemo && state !== TaskState.dep_fail) {
      try {
        this.#memoizer.update(rec, o);
      } catch (e) {
        log.error(`memoizer update for task ${rec.id} failed: ${(e as Error).message}`);
      }
    }
    this.#setState(rec, state, o.worker ?? null);
    this.#exit.release();
    if (this.config.garbageCollect) this.#tasks.delete(rec.id);
    if (o.ok) rec.future.setResult(o.value);
    else rec.future.setException(o.error);
  }

  // ---- data staging --------------------------------------------------------------------------------------

  /** Hand the task's Files to the data manager: staged inputs replace their Files, outputs get DataFutures. */
  #stage(rec: TaskRecord, outputs: readonly File[]): void {
    // Staging tasks are not staged again (Parsl's _parsl_staging_inhibit).
    if (rec.invalid !== null || this.#data.owns(rec.app)) return;
    if (rec.app.kind === 'join') {
      if (outputs.length > 0) rec.future.outputs = outputs.map((f) => new DataFuture(rec.future, f));
      return;
    }
    if (!DataManager.mentionsFiles(rec.args, rec.hasKwargs, outputs)) return;
    let executor: Executor;
    try {
      executor = this.#chooseExecutor(rec.app);
    } catch (e) {
      rec.invalid = e as Error;
      return;
    }
    const s = this.#data.prepare(executor, rec.args, rec.hasKwargs, outputs, rec.future);
    if (s === null) return;
    rec.executor = executor;
    rec.staged = true;
    rec.args = s.args;
    rec.future.outputs = s.outputs;
    rec.staging = s.inTask;
    if (rec.bash !== null) rec.bash = { ...rec.bash, outputs: s.localOutputs };
    if (s.error !== null) rec.invalid = s.error;
  }

  // ---- join apps -----------------------------------------------------------------------------------------

  /** Join apps run on the submitting thread (they call other apps) and finish when what they return finishes. */
  #runJoin(rec: TaskRecord): void {
    this.#setState(rec, TaskState.launched);
    const tryId = rec.tryId;
    queueMicrotask(() => {
      if (rec.tryId !== tryId || FINAL_STATES.has(rec.state)) return;
      let inner: unknown;
      try {
        inner = rec.app.func(...rec.args);
      } catch (e) {
        this.#fail(rec, e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.#join(rec, inner);
    });
  }

  #join(rec: TaskRecord, inner: unknown): void {
    const isList = Array.isArray(inner);
    const items: unknown[] = isList ? (inner as unknown[]) : [inner];
    if (!items.every((x) => x instanceof Future || isThenable(x))) {
      this.#finish(rec, TaskState.failed, {
        ok: false,
        error: new TypeError(
          `join app ${rec.app.name} must return a future, a Promise, or an array of them; got ${describeValue(inner)}`,
        ),
      });
      return;
    }
    this.#setState(rec, TaskState.joining);
    if (items.length === 0) {
      this.#finish(rec, TaskState.exec_done, { ok: true, value: [] });
      return;
    }
    const deps = collectDependencies(items)!;
    let remaining = deps.futures.length;
    const settle = () => {
      if (--remaining > 0) return;
      const failures: DependencyFailure[] = [];
      const values = resolveArguments(items, deps, failures);
      if (failures.length > 0) {
        this.#finish(rec, TaskState.failed, { ok: false, error: new JoinError(failures, rec.id) });
      } else {
        this.#finish(rec, TaskState.exec_done, { ok: true, value: isList ? values : values[0] });
      }
    };
    for (const f of deps.futures) f.onDone(settle);
  }

  // ---- keyword options -----------------------------------------------------------------------------------

  #applyOptions(rec: TaskRecord, o: TaskOptions): void {
    if (o.invalid !== null) {
      rec.invalid = o.invalid;
      return;
    }
    const stdout = this.#stream(rec, o.kwargs, 'stdout', o.stdout);
    const stderr = this.#stream(rec, o.kwargs, 'stderr', o.stderr);
    rec.future.stdout = stdout?.path ?? null;
    rec.future.stderr = stderr?.path ?? null;
    rec.walltimeMs = o.walltimeMs;
    if (o.resourceSpecification !== null) rec.resourceSpecification = o.resourceSpecification;
    if (rec.app.kind === 'bash' || stdout || stderr) rec.bash = { stdout, stderr, outputs: o.localOutputs };
  }

  /** An AUTO_LOGNAME request becomes a path in this kernel's run directory, left out of the memo hash. */
  #stream(
    rec: TaskRecord,
    kwargs: Record<string, unknown>,
    which: 'stdout' | 'stderr',
    s: StdStream | AutoStream | null,
  ): StdStream | null {
    if (s === null || !('auto' in s)) return s;
    const label = kwargs.label;
    const path = autoLogPath(this.runDir, rec.id, rec.app.name, which, label == null ? null : String(label));
    kwargs[which] = path;
    rec.autoIgnored = [...rec.autoIgnored, which];
    return { path, mode: 'a' };
  }

  // ---- bookkeeping ---------------------------------------------------------------------------------------

  #setState(rec: TaskRecord, s: TaskState, worker: WorkerReport | null = null): void {
    const previous = rec.state;
    this.#count(previous, -1);
    if (log.enabled('debug'))
      log.debug(`Task ${rec.id} changing state from ${stateName(previous)} to ${stateName(s)}`);
    rec.state = s;
    this.#count(s, 1);
    this.#observer?.taskState(rec, worker, previous);
    if (this.#watchers.length !== 0) this.#notifyWatchers(rec, previous);
  }

  #notifyWatchers(rec: TaskRecord, previous: TaskState | null): void {
    for (const w of this.#watchers) {
      try {
        w.taskState(rec, previous);
      } catch (e) {
        log.warning(`a task state watcher failed, removing it: ${(e as Error).message}`);
        this.#watchers = this.#watchers.filter((x) => x !== w);
      }
    }
  }

  #count(s: TaskState, d: number): void {
    this.#counts[s]! += d;
  }
}

// ---- the loaded kernel ----------------------------------------------------------------------------------

let current: DataFlowKernel | null = null;

function onCleanup(dfk: DataFlowKernel): void {
  if (current === dfk) current = null;
}

/** Start a DataFlowKernel and make it the loaded one (`parsl.dfk()`, and what apps submit to). */
export async function loadKernel<C extends KernelConfig>(
  config: C,
  options: KernelStartOptions<C> = {},
): Promise<DataFlowKernel> {
  if (current) {
    throw new ConfigurationError(
      'Config has already been loaded: call parsl.dfk().cleanup() or parsl.clear() first',
    );
  }
  const dfk = await DataFlowKernel.start(config, options);
  current = dfk;
  for (const l of loadListeners) l(dfk);
  return dfk;
}

/**
 * Shared through the global symbol registry, so a `parsl-ts` command from one installed copy sees the kernels a
 * script loads through another.
 */
const loadListeners: Set<(dfk: DataFlowKernel) => void> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('parsl-ts.kernelLoadListeners')
] ??= new Set()) as Set<(dfk: DataFlowKernel) => void>;

/**
 * Call `listener` with every kernel loaded from now on (what `parsl-ts run` uses to show the progress of the
 * kernel its script loads). Returns a function that stops listening.
 */
export function onKernelLoaded(listener: (dfk: DataFlowKernel) => void): () => void {
  loadListeners.add(listener);
  return () => loadListeners.delete(listener);
}

/** The loaded DataFlowKernel. */
export function currentKernel(): DataFlowKernel {
  if (!current) throw new NoDataFlowKernelError('no DataFlowKernel is loaded: call parsl.load() first');
  return current;
}

/** Forget the loaded kernel without cleaning it up (Parsl's `parsl.clear()`). */
export function clearKernel(): void {
  current = null;
}
