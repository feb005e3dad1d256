import type { File } from '../data/file.js';

/** Something to tell when a future completes. Task records implement it, so no closure per dependency. */
export interface FutureWaiter {
  onFutureDone(f: Future<unknown>): void;
}

const PENDING = 0;
const OK = 1;
const FAILED = 2;

/**
 * A single-assignment, PromiseLike result. A native Promise is created only when someone awaits it, which keeps
 * a pending task's footprint small (1 M pending tasks must fit comfortably in memory).
 */
export class Future<T> implements PromiseLike<T> {
  #state: 0 | 1 | 2 = PENDING;
  #value: unknown = undefined;
  #waiters: FutureWaiter | FutureWaiter[] | null = null;
  #promise: Promise<T> | null = null;
  #settle: ((ok: boolean, v: unknown) => void) | null = null;

  /** True once the future has a result or an exception. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  // biome-ignore lint/suspicious/noThenProperty: futures are awaitable by design
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }

  /** The result, or a rejection with the task's exception. */
  result(): Promise<T> {
    if (this.#promise === null) {
      if (this.#state === OK) this.#promise = Promise.resolve(this.#value as T);
      else if (this.#state === FAILED) this.#promise = Promise.reject(this.#value);
      else {
        this.#promise = new Promise<T>((resolve, reject) => {
          this.#settle = (ok, v) => (ok ? resolve(v as T) : reject(v));
        });
      }
    }
    return this.#promise;
  }

  /** The exception, or `null` on success; never rejects. */
  exception(): Promise<Error | null> {
    return this.result().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  }

  /** Synchronous view for the kernel: valid only when done(). */
  get settledOk(): boolean {
    return this.#state === OK;
  }
  get settledValue(): unknown {
    return this.#value;
  }

  /** Register a waiter; if already done it is told at once. */
  addWaiter(w: FutureWaiter): void {
    if (this.#state !== PENDING) {
      w.onFutureDone(this as Future<unknown>);
      return;
    }
    if (this.#waiters === null) this.#waiters = w;
    else if (Array.isArray(this.#waiters)) this.#waiters.push(w);
    else this.#waiters = [this.#waiters, w];
  }

  /** Run a callback when done (convenience over {@link addWaiter}). */
  onDone(cb: (f: Future<T>) => void): void {
    this.addWaiter({ onFutureDone: (f) => cb(f as Future<T>) });
  }

  /** @internal */
  setResult(v: T): void {
    this.#complete(OK, v);
  }

  /** @internal */
  setException(e: Error): void {
    this.#complete(FAILED, e);
  }

  #complete(state: 1 | 2, v: unknown): void {
    if (this.#state !== PENDING) return;
    this.#state = state;
    this.#value = v;
    if (this.#settle) {
      this.#settle(state === OK, v);
      this.#settle = null;
    }
    const w = this.#waiters;
    this.#waiters = null;
    if (w === null) return;
    if (Array.isArray(w)) for (const x of w) x.onFutureDone(this as Future<unknown>);
    else w.onFutureDone(this as Future<unknown>);
  }
}

/** A view of a task for its future: the kernel's record implements it. */
export interface TaskView {
  readonly id: number;
  stateName(): string;
}

const NO_OUTPUTS: readonly DataFuture[] = Object.freeze([]);

/** The future of an app invocation: `await fut`, `fut.result()`, `fut.exception()`, `fut.tid`, `fut.outputs`. */
export class AppFuture<T = unknown> extends Future<T> {
  /** DataFutures for the files named in the call's `outputs`. */
  outputs: readonly DataFuture[] = NO_OUTPUTS;
  /** The resolved stdout path of the call (an `AUTO_LOGNAME` request shows the generated path), or null. */
  stdout: string | null = null;
  /** The resolved stderr path, or null. */
  stderr: string | null = null;

  constructor(readonly task: TaskView) {
    super();
  }

  /** The task id (0, 1, 2, … per kernel). */
  get tid(): number {
    return this.task.id;
  }

  /** The task's state name: pending, launched, running, exec_done, failed, dep_fail, memo_done, joining … */
  taskStatus(): string {
    return this.task.stateName();
  }

  override toString(): string {
    return `AppFuture(task ${this.tid}, ${this.taskStatus()})`;
  }
}

/**
 * A file produced by a task: resolves to the `File` when its task succeeds and the file is in place (after any
 * stage-out, which `via` completes), else to the exception.
 */
export class DataFuture<F extends File = File> extends Future<F> implements FutureWaiter {
  constructor(
    readonly parent: AppFuture<unknown>,
    readonly file: F,
    via: Future<unknown> = parent,
  ) {
    super();
    via.addWaiter(this);
  }

  get tid(): number {
    return this.parent.tid;
  }
  get filepath(): string {
    return this.file.filepath;
  }
  get filename(): string {
    return this.file.filename;
  }

  onFutureDone(f: Future<unknown>): void {
    if (f.settledOk) this.setResult(this.file);
    else this.setException(f.settledValue as Error);
  }

  override toString(): string {
    return `DataFuture(${this.file.url} from task ${this.tid})`;
  }
}
