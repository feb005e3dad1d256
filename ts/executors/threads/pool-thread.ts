import { Worker } from 'node:worker_threads';
import { describeValue } from '../../describe.js';
import { KnownFunctions } from '../../execute/function-cache.js';
import type { TaskWire } from '../../execute/task-wire.js';
import { SerializationError } from '../../serialize/errors.js';
import type { ExecutorTask, TaskDone } from '../base.js';
import { taskToWire } from '../task-wire.js';
import { Deque } from './deque.js';
import { isWorkerToPool, type PoolToWorker, type WorkerInit, type WorkerToPool } from './protocol.js';
import { newStartControl, StartControl } from './start-control.js';

/** A task between `submit` and `done`. `ordinal` is its 1-based position on its thread; 0 while queued. */
export interface Pending {
  readonly task: ExecutorTask;
  readonly done: TaskDone;
  ordinal: number;
}

export interface PoolThreadEvents {
  message(thread: PoolThread, m: WorkerToPool): void;
  /** The thread ended without being retired by the pool. `error` is its uncaught error, if any. */
  exit(thread: PoolThread, code: number, error: Error | null): void;
}

/** Counters shared by all threads of one pool (diagnostics and tests). */
export interface SendCounters {
  tasksSent: number;
  messagesSent: number;
  sourcesSent: number;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** How long a stopping thread gets to kill its bash process groups before it is terminated. */
const STOP_GRACE_MS = 2000;

/**
 * One worker thread as the pool sees it: the tasks sent to it in order, which function sources it holds, and
 * which tasks it has started (shared memory, readable while it runs and after it died).
 */
export class PoolThread {
  readonly inflight = new Deque<Pending>();
  /** Set when the pool gave up on this thread (terminated, died or stopped); its events are ignored after. */
  retired = false;
  online = false;
  /**
   * Tasks were revoked from this thread and it has not yet seen it: it gets none until it acknowledges (a
   * `revoked` message). Tasks sent meanwhile could be neither started nor taken back, since the thread cannot
   * tell them from the revoked ones until it sees the revocation.
   */
  revoking = false;

  readonly #worker: Worker;
  readonly #control: StartControl;
  readonly #known = new KnownFunctions();
  readonly #counters: SendCounters;
  #sent = 0;
  #error: Error | null = null;

  constructor(
    readonly name: string,
    events: PoolThreadEvents,
    counters: SendCounters,
  ) {
    const startControl = newStartControl();
    this.#control = new StartControl(startControl);
    this.#counters = counters;
    this.#worker = new Worker(WORKER_URL, { workerData: { startControl } satisfies WorkerInit, name });
    this.#worker.on('online', () => {
      this.online = true;
    });
    this.#worker.on('message', (m: unknown) => {
      if (!this.retired && isWorkerToPool(m)) events.message(this, m);
    });
    this.#worker.on('error', (e) => {
      this.#error = e;
    });
    this.#worker.on('exit', (code) => {
      if (!this.retired) events.exit(this, code, this.#error);
    });
  }

  /** Let the process exit while this thread runs (after the listeners: a 'message' listener refs again). */
  unref(): void {
    this.#worker.unref();
  }

  /** Resolves when the thread runs, rejects with its error if it could not start. */
  whenOnline(): Promise<void> {
    if (this.online) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (e: Error | null) => {
        this.#worker.off('online', onOnline).off('error', onError).off('exit', onExit);
        if (e) reject(e);
        else resolve();
      };
      const onOnline = () => settle(null);
      const onError = (e: Error) => settle(e);
      const onExit = (code: number) =>
        settle(new Error(`worker thread ${this.name} exited with code ${code} while starting`));
      this.#worker.once('online', onOnline).once('error', onError).once('exit', onExit);
    });
  }

  /** Ordinal of the last task the thread began to run (0: none yet). */
  startedCount(): number {
    return this.#control.started(this.#sent);
  }

  /** Tasks this thread holds and has not started (a snapshot while it runs). */
  unstarted(): number {
    const started = this.startedCount();
    // In ordinal order, with gaps where tasks were revoked: find the first one after `started`.
    let lo = 0;
    let hi = this.inflight.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.inflight.at(mid) as Pending).ordinal > started) hi = mid;
      else lo = mid + 1;
    }
    return this.inflight.length - lo;
  }

  /**
   * Take back the tasks this thread holds but has not started; they will never start here. Returns them in
   * their order (empty when there were none or a previous revocation is still pending). After a revocation
   * the thread is `revoking` until it acknowledges.
   */
  revokeUnstarted(): Pending[] {
    const started = this.#control.revokeAfterStarted(this.#sent, this.inflight.peekLast()?.ordinal ?? 0);
    if (started === null) return [];
    this.revoking = true;
    const out: Pending[] = [];
    while ((this.inflight.peekLast()?.ordinal ?? 0) > started) out.push(this.inflight.pop() as Pending);
    return out.reverse();
  }

  /**
   * Send tasks in one message. Tasks that cannot be cloned are returned with their error and were not sent;
   * the others are on their way (in `inflight`).
   */
  send(batch: Pending[]): Array<[Pending, Error]> {
    const added: string[] = [];
    let wires: TaskWire[];
    try {
      wires = batch.map((p) => taskToWire(p.task, this.#known, added));
      this.#post({ type: 'tasks', tasks: wires });
    } catch {
      this.#known.forget(added);
      return this.#sendOneByOne(batch);
    }
    this.#accept(batch, added.length);
    return [];
  }

  /** Ask the thread to kill its bash process groups and exit; terminate it if it does not in time. */
  async stop(graceful: boolean): Promise<void> {
    this.retired = true;
    if (graceful) {
      const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
      });
      try {
        this.#post({ type: 'stop' });
        await Promise.race([exited, late]);
      } catch {
        // the thread is already gone
      } finally {
        clearTimeout(timer);
      }
    }
    await this.#worker.terminate();
  }

  #sendOneByOne(batch: Pending[]): Array<[Pending, Error]> {
    const rejected: Array<[Pending, Error]> = [];
    for (const p of batch) {
      const added: string[] = [];
      let wire: TaskWire | undefined;
      try {
        wire = taskToWire(p.task, this.#known, added);
        this.#post({ type: 'tasks', tasks: [wire] });
      } catch (e) {
        this.#known.forget(added);
        rejected.push([p, unsendableArgument(p.task, wire, e)]);
        continue;
      }
      this.#accept([p], added.length);
    }
    return rejected;
  }

  #accept(batch: Pending[], sources: number): void {
    for (const p of batch) {
      p.ordinal = ++this.#sent;
      this.inflight.push(p);
    }
    this.#counters.tasksSent += batch.length;
    this.#counters.messagesSent++;
    this.#counters.sourcesSent += sources;
  }

  #post(m: PoolToWorker): void {
    this.#worker.postMessage(m);
  }
}

/** Name the first argument that structured clone rejects, so the user knows what to change. */
function unsendableArgument(t: ExecutorTask, wire: TaskWire | undefined, e: unknown): SerializationError {
  if (e instanceof SerializationError)
    return new SerializationError(`task ${t.id} of app ${t.appName}: ${e.message}`, { cause: e });
  const args = wire?.args ?? t.args;
  for (let i = 0; i < args.length; i++) {
    try {
      structuredClone(args[i]);
    } catch (ce) {
      return new SerializationError(
        `argument ${i} of app ${t.appName} (${describeValue(args[i])}) cannot be sent to a worker thread: ${(ce as Error).message} Pass structured-cloneable data (no functions, symbols or class instances holding them).`,
        { cause: ce },
      );
    }
  }
  return new SerializationError(
    `task ${t.id} of app ${t.appName} cannot be sent to a worker thread: ${(e as Error)?.message ?? String(e)}`,
    { cause: e },
  );
}
