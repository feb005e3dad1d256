import { hostname } from 'node:os';
import { IllegalStateError } from '../../errors.js';
import type { ResultWire } from '../../execute/task-wire.js';
import { appTimeout, OverrunWatch } from '../../execute/walltime.js';
import { threadReport } from '../../execute/worker-report.js';
import { getLogger, type Logger } from '../../logging.js';
import type { ExecutorTask, TaskDone, TaskOutcome } from '../base.js';
import { BadStateException, InvalidResourceSpecification, ScalingFailed, WorkerLost } from '../errors.js';
import { outcomeFromWire } from '../task-wire.js';
import { Deque } from './deque.js';
import { DispatchWindow } from './dispatch-window.js';
import type { ResolvedThreadPoolOptions } from './options.js';
import { type Pending, PoolThread, type PoolThreadEvents, type SendCounters } from './pool-thread.js';
import type { WorkerToPool } from './protocol.js';

/** Diagnostics of a {@link ThreadPoolExecutor}, for tests and benchmarks. */
export interface ThreadPoolStatistics {
  /** Live threads now. */
  readonly threads: number;
  /** Threads started since `start()`, replacements included. */
  readonly threadsStarted: number;
  readonly tasksSent: number;
  readonly messagesSent: number;
  /** Function sources sent: once per function per thread. */
  readonly sourcesSent: number;
  /** Tasks sent to a thread that was terminated before starting them, and queued again. */
  readonly requeued: number;
  /** Tasks taken back from a busy thread, unstarted, for an idle one. */
  readonly stolen: number;
  /** Moving average of thread time per task, which sizes the batches. */
  readonly averageTaskMs: number | null;
}

type State = 'new' | 'starting' | 'running' | 'stopped';

/** Consecutive thread deaths before the first message after which the pool stops replacing threads. */
const MAX_FAILED_STARTS = 3;

/**
 * The pool behind {@link ThreadPoolExecutor}: a queue of pending tasks, a fixed set of threads, and the rules
 * for how many tasks each thread holds, what happens when a thread dies and when a walltime expires.
 */
export class ThreadPoolEngine implements PoolThreadEvents {
  #unref = false;
  readonly #opts: ResolvedThreadPoolOptions;
  readonly #host = hostname();
  readonly #queue = new Deque<Pending>();
  readonly #threads: PoolThread[] = [];
  readonly #window = new DispatchWindow();
  readonly #counters: SendCounters = { tasksSent: 0, messagesSent: 0, sourcesSent: 0 };
  /** The walltime backstop: a thread whose task outlives its own bound (blocked in a native call) goes. */
  readonly #overrun = new OverrunWatch<PoolThread, Pending>((t, p) => this.#onOverrun(t, p));
  #logger: Logger = getLogger('parsl.executors.threads');
  #state: State = 'new';
  #outstanding = 0;
  #threadSeq = 0;
  #requeued = 0;
  #stolen = 0;
  #failedStarts = 0;
  #rr = 0;
  #dispatchImmediate: NodeJS.Immediate | null = null;
  #shutdown: Promise<void> | null = null;
  /** Why the pool stopped replacing threads, if it did. */
  #broken: string | null = null;

  constructor(opts: ResolvedThreadPoolOptions) {
    this.#opts = opts;
  }

  async start(logger: Logger | null): Promise<void> {
    if (this.#state !== 'new')
      throw new IllegalStateError(`executor ${this.#opts.label} was already started`);
    this.#state = 'starting';
    if (logger) this.#logger = logger;
    for (let i = 0; i < this.#opts.maxThreads; i++) this.#threads.push(this.#spawn());
    try {
      await Promise.all(this.#threads.map((t) => t.whenOnline()));
    } catch (e) {
      await this.shutdown();
      throw new ScalingFailed(this.#opts.label, `a worker thread could not start: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (this.#state === 'starting') this.#state = 'running';
    this.#logger.info(`executor ${this.#opts.label}: ${this.#opts.maxThreads} worker threads started`);
  }

  submit(task: ExecutorTask, done: TaskDone): void {
    if (this.#state === 'new') {
      throw new IllegalStateError(`executor ${this.#opts.label} must be started before tasks are submitted`);
    }
    const p: Pending = { task, done, ordinal: 0 };
    this.#outstanding++;
    if (this.#state === 'stopped') {
      this.#failLater(
        p,
        new BadStateException(this.#opts.label, 'it was shut down; no task can be submitted to it'),
      );
      return;
    }
    if (this.#broken !== null) {
      this.#failLater(p, new BadStateException(this.#opts.label, this.#broken));
      return;
    }
    const keys = Object.keys(task.resourceSpecification);
    if (keys.length > 0) {
      this.#failLater(
        p,
        new InvalidResourceSpecification(
          keys,
          `ThreadPoolExecutor does not support resource specifications (got ${JSON.stringify(keys)}): remove resourceSpecification or run the app on an executor that accepts it (HighThroughputExecutor, MPIExecutor)`,
        ),
      );
      return;
    }
    this.#queue.push(p);
    // A lone task and an idle thread: send it now (latency). In a burst only the first few tasks take this
    // path; the rest wait for one batched dispatch at the end of this turn (throughput).
    if (this.#queue.length === 1 && this.#dispatchImmediate === null && this.#sendToIdleThread()) return;
    this.#scheduleDispatch();
  }

  outstanding(): number {
    return this.#outstanding;
  }

  statistics(): ThreadPoolStatistics {
    return {
      threads: this.#threads.length,
      threadsStarted: this.#threadSeq,
      ...this.#counters,
      requeued: this.#requeued,
      stolen: this.#stolen,
      averageTaskMs: this.#window.averageTaskMs,
    };
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  // ---- events from threads -------------------------------------------------------------------------------

  message(t: PoolThread, m: WorkerToPool): void {
    this.#failedStarts = 0;
    if (m.type === 'results') this.#onResults(t, m.results, m.busyMs, m.times);
    else if (m.type === 'started') this.#onStarted(t, m.ordinal);
    else this.#onRevoked(t);
  }

  exit(t: PoolThread, code: number, error: Error | null): void {
    if (this.#state === 'stopped') return;
    this.#logger.warning(
      `executor ${this.#opts.label}: worker thread ${t.name} exited with code ${code}${error ? ` (${error.name}: ${error.message})` : ''}; replacing it`,
    );
    const neverAnswered = !t.online || (t.inflight.length > 0 && t.startedCount() === 0);
    this.#failedStarts = neverAnswered ? this.#failedStarts + 1 : 0;
    this.#retire(
      t,
      null,
      () =>
        new WorkerLost(
          t.name,
          this.#host,
          error ? { cause: error, detail: `exit code ${code}` } : { detail: `exit code ${code}` },
        ),
    );
  }

  // ---- steps -----------------------------------------------------------------------------------------------

  #onResults(t: PoolThread, results: ResultWire[], busyMs: number, times: Float64Array | undefined): void {
    this.#window.observe(busyMs, results.length);
    const finished: Pending[] = new Array(results.length);
    for (let i = 0; i < results.length; i++) {
      const p = t.inflight.shift();
      if (p === undefined || p.task.id !== results[i]!.id) {
        this.#logger.error(
          `executor ${this.#opts.label}: thread ${t.name} answered for task ${results[i]!.id} out of order (expected ${p?.task.id}); this is a bug`,
        );
      }
      if (this.#overrun.size !== 0 && this.#overrun.watching(t) === p) this.#overrun.forget(t);
      finished[i] = p as Pending;
    }
    // Refill before running callbacks so the thread is not idle while the kernel works.
    if (this.#queue.length > 0) this.#fill(t);
    if (t.inflight.length === 0) this.#dispatchAll();
    for (let i = 0; i < finished.length; i++) {
      const p = finished[i];
      if (p === undefined) continue;
      const started = times === undefined ? Number.NaN : times[2 * i]!;
      const worker = Number.isNaN(started) ? undefined : threadReport(started, times![2 * i + 1]!);
      this.#finish(p, outcomeFromWire(results[i]!, worker));
    }
  }

  #onRevoked(t: PoolThread): void {
    t.revoking = false;
    if (t.inflight.length === 0) this.#dispatchAll();
  }

  #onStarted(t: PoolThread, ordinal: number): void {
    const p = t.inflight.peek();
    if (p === undefined || p.ordinal !== ordinal || p.task.walltimeMs === null) {
      this.#logger.error(
        `executor ${this.#opts.label}: thread ${t.name} started task #${ordinal} out of order; this is a bug`,
      );
      return;
    }
    this.#overrun.started(t, p, p.task.kind, p.task.walltimeMs);
  }

  #onOverrun(t: PoolThread, expired: Pending): void {
    if (t.retired) return;
    const { appName, walltimeMs } = expired.task;
    this.#logger.warning(
      `executor ${this.#opts.label}: task ${expired.task.id} is still running past its walltime; terminating ${t.name}`,
    );
    const timeout = appTimeout(appName, walltimeMs as number);
    this.#retire(t, expired, (p) =>
      p === expired
        ? timeout
        : new WorkerLost(t.name, this.#host, {
            detail: `terminated because task ${expired.task.id} exceeded its walltime`,
          }),
    );
  }

  /**
   * Give up on a thread: tasks it started fail (`errorFor`), tasks it had not started go back to the front of
   * the queue in their order, and a new thread takes its place.
   */
  #retire(t: PoolThread, terminate: Pending | null, errorFor: (p: Pending) => Error): void {
    t.retired = true;
    this.#overrun.forget(t);
    // A bash app past its backstop may still have a process group: let the thread kill it first.
    if (terminate !== null) void t.stop(terminate.task.kind === 'bash');
    const started = t.startedCount();
    const lost: Pending[] = [];
    const pending = t.inflight.drain();
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (p.ordinal <= started) {
        lost.push(p);
      } else {
        p.ordinal = 0;
        this.#queue.unshift(p);
        this.#requeued++;
      }
    }
    const i = this.#threads.indexOf(t);
    if (this.#failedStarts >= MAX_FAILED_STARTS) {
      this.#threads.splice(i, 1);
      this.#broken = `its worker threads keep dying before running any task (last: ${t.name}); see the log for their errors`;
      this.#logger.error(`executor ${this.#opts.label}: ${this.#broken}`);
      for (const p of this.#queue.drain())
        this.#finish(p, { ok: false, error: new BadStateException(this.#opts.label, this.#broken) });
    } else {
      this.#threads[i] = this.#spawn();
    }
    for (let k = lost.length - 1; k >= 0; k--)
      this.#finish(lost[k]!, { ok: false, error: errorFor(lost[k]!) });
    this.#scheduleDispatch();
  }

  /**
   * Take back the unstarted tasks of the thread holding most of them (it is busy with a long task, or will soon
   * be) and queue them at the front. False when no thread holds any.
   */
  #steal(idle: PoolThread): boolean {
    let victim: PoolThread | null = null;
    let most = 0;
    for (const t of this.#threads) {
      const n = t === idle || t.retired ? 0 : t.unstarted();
      if (n > most) {
        most = n;
        victim = t;
      }
    }
    const taken = victim === null ? [] : victim.revokeUnstarted();
    for (let i = taken.length - 1; i >= 0; i--) {
      taken[i]!.ordinal = 0;
      this.#queue.unshift(taken[i]!);
    }
    this.#stolen += taken.length;
    return taken.length > 0;
  }

  #sendToIdleThread(): boolean {
    const t = this.#threads.find(isIdle);
    if (t === undefined) return false;
    this.#fill(t);
    return this.#queue.length === 0;
  }

  #scheduleDispatch(): void {
    if (this.#dispatchImmediate === null && this.#state !== 'stopped') {
      this.#dispatchImmediate = setImmediate(() => {
        this.#dispatchImmediate = null;
        this.#dispatchAll();
      });
    }
  }

  /**
   * Share out the queue, then restore the invariant that keeps tasks from being stranded behind a long one: no
   * thread is idle while the queue or another thread holds a task it could start. Idle threads are served
   * first (each gets at least one task, so it reports back and triggers this again); when the queue runs dry,
   * an idle thread takes back another thread's unstarted tasks. Every event that can idle a thread or hold
   * back a task (results, an acknowledged revocation, a new thread, a submit) ends here.
   */
  #dispatchAll(): void {
    const n = this.#threads.length;
    // Each successful steal leaves its victim `revoking`, so this ends after at most n rounds.
    for (let round = 0; round <= n; round++) {
      for (const t of this.#threads) if (this.#queue.length > 0 && isIdle(t)) this.#fill(t);
      for (let k = 0; k < n && this.#queue.length > 0; k++) this.#fill(this.#threads[(this.#rr + k) % n]!);
      this.#rr = n === 0 ? 0 : (this.#rr + 1) % n;
      const idle = this.#queue.length === 0 ? this.#threads.find(isIdle) : undefined;
      if (idle === undefined || !this.#steal(idle)) return;
    }
  }

  /** Send a thread as many tasks as its window allows, never more than its fair share of the queue. */
  #fill(t: PoolThread): void {
    if (t.retired || t.revoking) return;
    const limit = this.#window.perThread();
    const batchSize = this.#window.batchSize();
    let share = Math.ceil(this.#queue.length / this.#threads.length);
    while (share > 0 && this.#queue.length > 0 && t.inflight.length < limit) {
      const n = Math.min(batchSize, limit - t.inflight.length, share, this.#queue.length);
      share -= n;
      const batch: Pending[] = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = this.#queue.shift() as Pending;
      // Deferred: #fill also runs inside submit(), where done must not be called.
      for (const [p, error] of t.send(batch)) this.#failLater(p, error);
    }
  }

  #spawn(): PoolThread {
    const t = new PoolThread(`${this.#opts.label}-${this.#threadSeq++}`, this, this.#counters);
    if (this.#unref) t.unref();
    return t;
  }

  /** Threads (and their replacements) no longer keep the process alive; see Executor.unref. */
  unref(): void {
    this.#unref = true;
    for (const t of this.#threads) t.unref();
  }

  #finish(p: Pending, outcome: TaskOutcome): void {
    this.#outstanding--;
    try {
      p.done(outcome);
    } catch (e) {
      this.#logger.error(
        `executor ${this.#opts.label}: completion callback of task ${p.task.id} threw: ${(e as Error)?.stack ?? e}`,
      );
    }
  }

  #failLater(p: Pending, error: Error): void {
    queueMicrotask(() => this.#finish(p, { ok: false, error }));
  }

  async #stop(): Promise<void> {
    const wasStarted = this.#state !== 'new';
    this.#state = 'stopped';
    if (this.#dispatchImmediate !== null) clearImmediate(this.#dispatchImmediate);
    this.#dispatchImmediate = null;
    const error = new BadStateException(
      this.#opts.label,
      'it was shut down before the task finished (call shutdown()/dfk.cleanup() after awaiting your futures)',
    );
    const abandoned = this.#queue.drain();
    const stops: Promise<void>[] = [];
    this.#overrun.clear();
    for (const t of this.#threads) {
      const pending = t.inflight.drain();
      const mayRunBash = pending.some((p) => p.task.kind === 'bash');
      stops.push(t.stop(mayRunBash));
      abandoned.push(...pending);
    }
    this.#threads.length = 0;
    for (const p of abandoned) this.#finish(p, { ok: false, error });
    await Promise.all(stops);
    if (wasStarted) this.#logger.info(`executor ${this.#opts.label}: shut down`);
  }
}

/** A thread with nothing to run that may be sent tasks. */
function isIdle(t: PoolThread): boolean {
  return t.inflight.length === 0 && !t.retired && !t.revoking;
}
