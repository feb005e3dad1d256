/**
 * A typed MPI communicator for Node over MPI_COMM_WORLD, usable on its own:
 *
 * ```ts
 * const comm = await Communicator.init();
 * if (comm.rank === 0) {
 *   for (let r = 1; r < comm.size; r++) comm.send(r, Buffer.from('task'), 7);
 *   for await (const m of comm.messages({ tag: 8 })) { ... }
 * } else {
 *   const m = await comm.recv({ source: 0 });
 *   comm.send(0, m.data, 8);
 * }
 * await comm.finalize();
 * ```
 *
 * Every MPI call happens on the addon's progress thread, so the event loop never blocks in MPI and
 * any thread level MPI provides is safe. Messages are copied at `send()`, aggregated per destination,
 * delivered in send order per source, and arrive in batches (one native→JS call per batch).
 */
import { EventEmitter } from 'node:events';
import { ConfigurationError } from '../errors.js';
import {
  fromNativeError,
  MPIError,
  MPIFlavorMismatchError,
  MPIInitError,
  MPIQueueFullError,
  MPIStateError,
} from './errors.js';
import { type LauncherInfo, loadAddon, type MPIFlavor } from './load-addon.js';
import {
  type DispatcherHandle,
  type EngineHandle,
  type NativeAddon,
  type NativeDelivery,
  type NativeEngineOptions,
  NativeEventKind,
  type NativeStats,
} from './native.js';

const EMPTY = Buffer.alloc(0);

export type ThreadLevel = 'single' | 'funneled' | 'serialized' | 'multiple';

export interface CommunicatorOptions {
  /**
   * Thread level asked of MPI_Init_thread. The communicator is correct at any level (one thread makes
   * all MPI calls); ask for less than `multiple` if your MPI is slower with it.
   * @default 'multiple'
   */
  threadLevel?: ThreadLevel;
  /** Which MPI build to use; see load-addon.ts for the automatic choice. @default automatic */
  flavor?: MPIFlavor;
  /** Largest aggregated packet and size of each preposted receive; bigger messages go separately. @default 65536 */
  packetBytes?: number;
  /** Preposted receives. @default 16 */
  receiveDepth?: number;
  /** `send()` returns false once this many bytes are queued; `'drain'` fires at half of it. @default 16 MiB */
  highWaterMark?: number;
  /** `send()` throws MPIQueueFullError beyond this many queued bytes. @default 1 GiB */
  maxQueuedBytes?: number;
  /**
   * Microseconds an idle progress thread keeps polling before it starts sleeping (a ping-pong faster than this never
   * sleeps). Short, because with doorbells a sleeping thread is woken as soon as a rank on its node sends to it,
   * and polling takes a core from the ranks that work. @default 50
   */
  spinMicros?: number;
  /**
   * Longest sleep of an idle progress thread while a message could arrive unannounced (from another node, or with
   * doorbells off); bounds the receive latency of an idle rank. @default 1000
   */
  maxSleepMicros?: number;
  /** Check MPI's world size against the size the launcher promised (catches a wrong flavour). @default true */
  verifySize?: boolean;
  /**
   * Ranks on one node wake each other's sleeping progress threads right after a send, through a futex word in an
   * MPI shared-memory window (Linux): messages between them are seen in microseconds instead of after the
   * receiver's sleep, and when every rank shares the node an idle rank sleeps up to 20 ms (≈ 0 CPU). Turn off
   * only to compare, or if your MPI cannot allocate a shared window (then it falls back by itself).
   * @default true
   */
  doorbells?: boolean;
}

type ResolvedOptions = Required<Omit<CommunicatorOptions, 'flavor'>> & { flavor: MPIFlavor | null };

/** The single source of defaults. */
const DEFAULTS: ResolvedOptions = {
  threadLevel: 'multiple',
  flavor: null,
  packetBytes: 64 * 1024,
  receiveDepth: 16,
  highWaterMark: 16 * 1024 * 1024,
  maxQueuedBytes: 1024 * 1024 * 1024,
  spinMicros: 50,
  maxSleepMicros: 1000,
  verifySize: true,
  doorbells: true,
};

const THREAD_LEVELS: readonly ThreadLevel[] = ['single', 'funneled', 'serialized', 'multiple'];

function resolveOptions(options: CommunicatorOptions): ResolvedOptions {
  const r: ResolvedOptions = { ...DEFAULTS, ...stripUndefined(options) };
  for (const key of [
    'packetBytes',
    'receiveDepth',
    'highWaterMark',
    'maxQueuedBytes',
    'spinMicros',
    'maxSleepMicros',
  ] as const) {
    const v = r[key];
    if (!Number.isSafeInteger(v) || v < 0)
      throw new ConfigurationError(
        `Communicator option ${key} must be a non-negative integer, got ${String(v)}`,
      );
  }
  if (r.packetBytes < 256)
    throw new ConfigurationError('Communicator option packetBytes must be at least 256');
  if (r.receiveDepth < 1) throw new ConfigurationError('Communicator option receiveDepth must be at least 1');
  for (const key of ['verifySize', 'doorbells'] as const)
    if (typeof r[key] !== 'boolean')
      throw new ConfigurationError(`Communicator option ${key} must be a boolean, got ${String(r[key])}`);
  if (!THREAD_LEVELS.includes(r.threadLevel))
    throw new ConfigurationError(
      `Communicator option threadLevel must be one of ${THREAD_LEVELS.join(', ')}`,
    );
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A received message. `data` may share memory with other messages of the same batch. */
export interface MPIMessage {
  source: number;
  tag: number;
  data: Buffer;
}

/** Which messages a receive accepts; an absent field matches anything (MPI_ANY_SOURCE / MPI_ANY_TAG). */
export interface MessageFilter {
  source?: number;
  tag?: number;
}

export type CommunicatorState = 'running' | 'finalizing' | 'finalized';

export interface CommunicatorEvents {
  /**
   * A message no pending `recv()` or `messages()` iterator claimed. Messages that arrived while
   * nobody listened are emitted when the first listener is added.
   */
  message: [MPIMessage];
  /** Queued bytes fell to half the high-water mark after `send()` returned false. */
  drain: [];
  /** An MPI call failed on the progress thread. */
  error: [MPIError];
  /** A rank watched with {@link Communicator.watch} (and no `abortCode`) stopped answering. */
  silent: [rank: number, silentMs: number];
  finalized: [];
}

/** How {@link Communicator.watch} judges and handles a silent rank. */
export interface WatchOptions {
  /** Milliseconds without any answer from the rank's progress thread before it counts as hung. */
  thresholdMs: number;
  /**
   * Call MPI_Abort with this code from the progress thread instead of emitting `'silent'`: the way out for a
   * rank that cannot go on without the watched one, and that works even while this rank's JS thread is busy.
   * @default null (emit `'silent'`)
   */
  abortCode?: number | null;
}

interface Sink {
  filter: MessageFilter;
  once: boolean;
  push(m: MPIMessage): void;
}

function matches(f: MessageFilter, m: MPIMessage): boolean {
  return (f.source === undefined || f.source === m.source) && (f.tag === undefined || f.tag === m.tag);
}

let instance: Communicator | null = null;

export class Communicator extends EventEmitter<CommunicatorEvents> {
  readonly rank: number;
  readonly size: number;
  readonly processorName: string;
  readonly threadLevel: ThreadLevel;
  readonly flavor: MPIFlavor;
  /** First line of MPI_Get_library_version. */
  readonly libraryVersion: string;

  #engine: EngineHandle;
  #options: ResolvedOptions;
  #state: CommunicatorState = 'running';
  #sinks: Sink[] = [];
  #unexpected: MPIMessage[] = [];
  #unexpectedHead = 0;
  #barriers = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #nextBarrier = 1;
  #needDrain = false;
  #flushWaiters: (() => void)[] = [];
  #finalized: Promise<void> | null = null;
  #resolveFinalized: (() => void) | null = null;
  #polling = false;
  #pollUntil = 0;

  private constructor(
    engine: EngineHandle,
    options: ResolvedOptions,
    flavor: MPIFlavor,
    levels: NativeAddon['threadLevels'],
  ) {
    super();
    this.#engine = engine;
    this.#options = options;
    const info = engine.info();
    this.rank = info.rank;
    this.size = info.size;
    this.processorName = info.processorName;
    this.threadLevel = THREAD_LEVELS.find((l) => levels[l] === info.threadLevel) ?? 'single';
    this.flavor = flavor;
    this.libraryVersion = info.libraryVersion.split('\n')[0]?.trim() ?? '';
    // Messages that arrived before the first 'message' listener are not lost: they are emitted
    // right after the listener is added (newListener fires before the addition, hence the microtask).
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'message') queueMicrotask(() => this.#emitUnexpected());
    });
  }

  #emitUnexpected(): void {
    while (this.listenerCount('message') > 0) {
      const m = this.#takeUnexpected({});
      if (!m) break;
      this.emit('message', m);
    }
  }

  /**
   * Initialises MPI on the progress thread and resolves once it is ready. One communicator per
   * process; MPI cannot be initialised again after `finalize()`.
   * @throws MPINotAvailableError, MPIInitError, MPIFlavorMismatchError, MPIStateError
   */
  static async init(options: CommunicatorOptions = {}): Promise<Communicator> {
    if (instance)
      throw new MPIStateError('a Communicator already exists in this process; use Communicator.current()', {
        code: 'ERR_MPI_IN_USE',
      });
    const resolved = resolveOptions(options);
    const loaded = loadAddon(resolved.flavor ? { flavor: resolved.flavor } : {});
    const engine = new loaded.addon.Engine();
    let comm: Communicator | null = null;
    const early: NativeDelivery[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      const onDelivery = (d: NativeDelivery): void => {
        if (comm) {
          comm.#onDelivery(d);
          return;
        }
        for (const e of d.events ?? []) {
          if (e.kind === NativeEventKind.initFailed)
            reject(new MPIInitError(e.message ?? 'MPI_Init_thread failed'));
          if (e.kind === NativeEventKind.ready) resolve();
        }
        early.push(d); // messages may arrive with the ready event
      };
      try {
        engine.start(nativeOptions(resolved, loaded.addon), onDelivery);
      } catch (e) {
        reject(fromNativeError(e));
      }
    });
    await ready;
    comm = new Communicator(engine, resolved, loaded.flavor, loaded.addon.threadLevels);
    instance = comm;
    for (const d of early) comm.#onDelivery(d, true);
    if (resolved.verifySize) await comm.#verifySize(loaded.launcher);
    return comm;
  }

  /** The communicator of this process, if one was initialised and not finalized. */
  static current(): Communicator | null {
    return instance;
  }

  get state(): CommunicatorState {
    return this.#state;
  }

  /** Bytes handed to `send()` that MPI has not completed yet. */
  get queuedBytes(): number {
    return this.#engine.queuedBytes();
  }

  /**
   * Queues a copy of `data` for rank `dest` (any non-negative int32 `tag`). Returns false when the
   * queue has reached `highWaterMark`: the message is queued, but wait for `'drain'` (or
   * `await flush()`) before sending more.
   * @throws MPIQueueFullError beyond `maxQueuedBytes`; MPIStateError unless running
   */
  send(dest: number, data: Uint8Array, tag = 0): boolean {
    this.#assertRunning('send');
    if (!Number.isInteger(dest) || dest < 0 || dest >= this.size)
      throw new RangeError(`send: destination rank ${dest} is not in 0..${this.size - 1}`);
    if (!Number.isInteger(tag) || tag < 0 || tag > 0x7fffffff)
      throw new RangeError(`send: tag ${tag} must be an integer in 0..2^31-1`);
    if (!(data instanceof Uint8Array)) throw new TypeError('send: data must be a Buffer or Uint8Array');
    let queued: number;
    try {
      queued = this.#engine.send(dest, tag, data);
    } catch (e) {
      throw fromNativeError(e);
    }
    if (queued < 0)
      throw new MPIQueueFullError(this.#engine.queuedBytes(), this.#options.maxQueuedBytes, data.byteLength);
    if (queued < this.#options.highWaterMark) return true;
    if (!this.#needDrain) {
      this.#needDrain = true;
      this.#arm();
    }
    return false;
  }

  /**
   * Sends every batch a dispatcher core can cut now, each to its rank with `tag`, from C++ straight into this
   * communicator's queues: no JS object, Buffer or call per batch. Returns the number of batches sent; batches
   * MPI cannot take now (over `maxQueuedBytes`) stay queued in the dispatcher for the next call.
   */
  sendBatches(dispatcher: DispatcherHandle, tag: number): number {
    this.#assertRunning('sendBatches');
    if (!Number.isInteger(tag) || tag < 0 || tag > 0x7fffffff)
      throw new RangeError(`sendBatches: tag ${tag} must be an integer in 0..2^31-1`);
    try {
      return dispatcher.sendBatches(this.#engine, tag);
    } catch (e) {
      throw fromNativeError(e);
    }
  }

  /** Resolves when every message queued so far has been completed by MPI (locally). */
  flush(): Promise<void> {
    if (this.#state === 'finalized' || this.#engine.queuedBytes() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushWaiters.push(resolve);
      this.#arm();
    });
  }

  /** The next message matching `filter`, in arrival order. */
  recv(filter: MessageFilter = {}): Promise<MPIMessage> {
    if (this.#state !== 'running') return Promise.reject(this.#stateError('recv'));
    const queued = this.#takeUnexpected(filter);
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.#sinks.push({ filter, once: true, push: resolve });
      this.#pendingRejects.set(resolve, reject);
    });
  }

  #pendingRejects = new Map<(m: MPIMessage) => void, (e: Error) => void>();

  /**
   * Every message matching `filter`, as an async iterator; it ends when the communicator is
   * finalized. Messages that arrived before the call and were not claimed are yielded first.
   */
  messages(filter: MessageFilter = {}): AsyncIterableIterator<MPIMessage> {
    const buffer: MPIMessage[] = [];
    let head = 0;
    let waiting: ((r: IteratorResult<MPIMessage>) => void) | null = null;
    let done = this.#state !== 'running';
    const sink: Sink = {
      filter,
      once: false,
      push: (m) => {
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ value: m, done: false });
        } else buffer.push(m);
      },
    };
    for (let m = this.#takeUnexpected(filter); m; m = this.#takeUnexpected(filter)) buffer.push(m);
    if (!done) this.#sinks.push(sink);
    const finish = (): void => {
      done = true;
      const w = waiting;
      waiting = null;
      w?.({ value: undefined, done: true });
    };
    this.once('finalized', finish);
    const iterator: AsyncIterableIterator<MPIMessage> = {
      next: () => {
        if (head < buffer.length) {
          const value = buffer[head++] as MPIMessage;
          if (head > 1024 && head * 2 > buffer.length) {
            buffer.splice(0, head);
            head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => {
        // Messages this iterator took but never yielded go back, in order, for the next receiver.
        this.#sinks = this.#sinks.filter((s) => s !== sink);
        this.off('finalized', finish);
        const rest = buffer.slice(head);
        this.#unexpected = [...rest, ...this.#unexpected.slice(this.#unexpectedHead)];
        this.#unexpectedHead = 0;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Watches whether `rank` is still alive: this rank's progress thread pings it whenever it has not heard from
   * it for a fifth of the threshold, and the peer's progress thread answers on its own, so a peer whose JS
   * thread is busy with a long task still counts as alive. A peer that is stopped, frozen or stuck inside MPI
   * falls silent: after `thresholdMs` the communicator emits `'silent'` once (or aborts, see
   * {@link WatchOptions.abortCode}) and stops watching it. Watching again replaces the earlier watch;
   * `finalize()` ends every watch.
   */
  watch(rank: number, options: WatchOptions): void {
    this.#assertRunning('watch');
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.size || rank === this.rank)
      throw new RangeError(`watch: rank ${rank} is not another rank in 0..${this.size - 1}`);
    const { thresholdMs, abortCode = null } = options;
    if (!Number.isFinite(thresholdMs) || thresholdMs <= 0)
      throw new RangeError(`watch: thresholdMs must be a positive number, got ${thresholdMs}`);
    if (abortCode !== null && (!Number.isInteger(abortCode) || abortCode < 0 || abortCode > 255))
      throw new RangeError(`watch: abortCode must be an integer in 0..255, got ${abortCode}`);
    this.#engine.watch(rank, Math.round(thresholdMs * 1000), abortCode ?? -1);
  }

  /** Stops watching `rank` (no effect if it was not watched). */
  unwatch(rank: number): void {
    if (this.#state === 'running') this.#engine.unwatch(rank);
  }

  /** MPI_Ibarrier over all ranks, started after everything this rank queued before the call. */
  barrier(): Promise<void> {
    this.#assertRunning('barrier');
    const id = this.#nextBarrier++;
    return new Promise((resolve, reject) => {
      this.#barriers.set(id, { resolve, reject });
      this.#engine.barrier(id);
    });
  }

  /**
   * Completes queued sends, stops the progress thread and calls MPI_Finalize. Idempotent. Pending
   * `recv()`s reject, iterators end. Afterwards the process can exit.
   */
  finalize(): Promise<void> {
    if (this.#finalized) return this.#finalized;
    this.#state = 'finalizing';
    this.#finalized = new Promise((resolve) => {
      this.#resolveFinalized = resolve;
    });
    this.#engine.stop(true);
    return this.#finalized;
  }

  /** MPI_Abort: ends every rank of the job with `code`, promptly. Never returns. */
  abort(code = 1): never {
    if (this.#state === 'finalized') process.exit(code);
    return this.#engine.abort(code);
  }

  /** Let the process exit even though the communicator is running (like `socket.unref()`). */
  unref(): this {
    this.#engine.unref();
    return this;
  }

  ref(): this {
    this.#engine.ref();
    return this;
  }

  /**
   * Look for arrived messages from the JS thread, every turn of the event loop, for the next `micros` µs
   * (extends a window already open). A message is then seen without waiting for the progress thread to wake
   * the event loop — one thread hand-off less per message — at the price of a busy JS thread for the window:
   * open it only while an answer is due soon (e.g. tasks outstanding), never while idle.
   */
  pollFor(micros: number): void {
    if (micros <= 0 || this.#state === 'finalized') return;
    const until = performance.now() + micros / 1000;
    if (until > this.#pollUntil) this.#pollUntil = until;
    if (this.#polling) return;
    this.#polling = true;
    setImmediate(this.#pollTurn);
  }

  readonly #pollTurn = (): void => {
    if (this.#state !== 'finalized') this.#engine.poll();
    if (this.#state !== 'finalized' && performance.now() < this.#pollUntil) setImmediate(this.#pollTurn);
    else this.#polling = false;
  };

  stats(): NativeStats & { queuedBytes: number } {
    return { ...this.#engine.stats(), queuedBytes: this.#engine.queuedBytes() };
  }

  async #verifySize(launcher: LauncherInfo): Promise<void> {
    if (launcher.expectedSize === null || launcher.expectedSize === this.size) return;
    await this.finalize();
    throw new MPIFlavorMismatchError(
      this.flavor,
      launcher.flavor,
      launcher.expectedSize,
      this.size,
      launcher.sizeVariable ?? 'launcher',
    );
  }

  #assertRunning(method: string): void {
    if (this.#state !== 'running') throw this.#stateError(method);
  }

  #stateError(method: string): MPIStateError {
    return new MPIStateError(`${method}() is not allowed: the communicator is ${this.#state}`);
  }

  #takeUnexpected(filter: MessageFilter): MPIMessage | null {
    const q = this.#unexpected;
    for (let i = this.#unexpectedHead; i < q.length; i++) {
      const m = q[i] as MPIMessage;
      if (!matches(filter, m)) continue;
      if (i === this.#unexpectedHead) this.#unexpectedHead++;
      else q.splice(i, 1);
      if (this.#unexpectedHead === q.length) {
        this.#unexpected = [];
        this.#unexpectedHead = 0;
      }
      return m;
    }
    return null;
  }

  #dispatch(m: MPIMessage): void {
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) {
      const s = sinks[i] as Sink;
      if (!matches(s.filter, m)) continue;
      if (s.once) {
        sinks.splice(i, 1);
        this.#pendingRejects.delete(s.push);
      }
      s.push(m);
      return;
    }
    if (this.listenerCount('message') > 0) this.emit('message', m);
    else this.#unexpected.push(m);
  }

  #onDelivery(d: NativeDelivery, replay = false): void {
    const { meta, arena, large } = d;
    if (meta) {
      for (let i = 0; i < meta.length; i += 4) {
        const off = meta[i + 2] as number;
        const len = meta[i + 3] as number;
        // A delivery of only empty messages has no arena at all.
        const data =
          off < 0
            ? ((large as Buffer[])[-off - 1] as Buffer)
            : arena
              ? arena.subarray(off, off + len)
              : EMPTY;
        this.#dispatch({ source: meta[i] as number, tag: meta[i + 1] as number, data });
      }
    }
    if (d.events && !replay) for (const e of d.events) this.#onEvent(e.kind, e.id, e.value, e.message);
  }

  #onEvent(kind: number, id: number, value: number, message: string | null): void {
    switch (kind) {
      case NativeEventKind.barrierDone: {
        const b = this.#barriers.get(id);
        this.#barriers.delete(id);
        b?.resolve();
        break;
      }
      case NativeEventKind.queueLevel:
        if (this.#needDrain && value <= this.#options.highWaterMark / 2) {
          this.#needDrain = false;
          this.emit('drain');
        }
        if (value === 0) for (const w of this.#flushWaiters.splice(0)) w();
        this.#arm();
        break;
      case NativeEventKind.error:
        this.emit(
          'error',
          new MPIError(message ?? 'MPI error on the progress thread', { mpiErrorClass: value || null }),
        );
        break;
      case NativeEventKind.silent:
        this.emit('silent', id, value);
        break;
      case NativeEventKind.stopped:
        this.#onStopped();
        break;
    }
  }

  #onStopped(): void {
    this.#state = 'finalized';
    instance = null;
    const err = this.#stateError('recv');
    for (const reject of this.#pendingRejects.values()) reject(err);
    this.#pendingRejects.clear();
    this.#sinks = [];
    for (const b of this.#barriers.values())
      b.reject(new MPIStateError('barrier() did not complete: the communicator was finalized'));
    this.#barriers.clear();
    for (const w of this.#flushWaiters.splice(0)) w();
    this.#resolveFinalized?.();
    if (!this.#finalized) this.#finalized = Promise.resolve();
    this.emit('finalized');
  }

  /** Asks the engine for the one queue level anybody is waiting for (the highest first). */
  #arm(): void {
    if (this.#state === 'finalized') return;
    if (this.#needDrain) this.#engine.notifyAtOrBelow(Math.floor(this.#options.highWaterMark / 2));
    else if (this.#flushWaiters.length > 0) this.#engine.notifyAtOrBelow(0);
  }
}

function nativeOptions(o: ResolvedOptions, addon: NativeAddon): NativeEngineOptions {
  return {
    threadLevel: addon.threadLevels[o.threadLevel],
    packetBytes: o.packetBytes,
    receiveDepth: o.receiveDepth,
    maxQueuedBytes: o.maxQueuedBytes,
    spinMicros: o.spinMicros,
    maxSleepMicros: o.maxSleepMicros,
    doorbells: o.doorbells,
  };
}
