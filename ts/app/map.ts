/**
 * Bounded submission of a huge or endless stream of app calls: `map(app, items, { window })` and
 * `mapSettled(...)`. The kernel never sees more than `window` of the stream at once, so memory stays flat
 * however many items go through (Parsl's kernel keeps every task it was given, Parsl #2946).
 */

import { Future } from '../dataflow/future.js';
import { describeValue } from '../describe.js';
import { type KeySet, OptionReader } from '../options.js';

export interface MapOptions {
  /**
   * The most items taken from the input and not yet handed to the consumer: submitted, running, or finished
   * and waiting to be read. The input is read only when there is room, so it is never read ahead further.
   * @default 1000
   */
  window?: number;
  /** `true`: results in the order of the input; `false`: as tasks complete. @default true */
  ordered?: boolean;
  /**
   * Aborting it stops the map like leaving the loop (no more input, tasks in flight waited for), then a pending
   * or later `next()` rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/** One item's outcome from {@link mapSettled}: its position in the input, the item, and a value or an error. */
export type MapOutcome<T, R> =
  | { readonly ok: true; readonly index: number; readonly item: T; readonly value: R }
  | { readonly ok: false; readonly index: number; readonly item: T; readonly error: Error };

/** What `map` calls per item: an app (it returns an AppFuture) or any function returning a PromiseLike. */
export type MapFunction<T, R> = (item: T) => PromiseLike<R>;

const KEYS = { window: true, ordered: true, signal: true } satisfies KeySet<MapOptions>;
const DEFAULT_WINDOW = 1000;
/** The window's ring buffers are allocated up front; a bigger window than this is a mistake, not a need. */
const MAX_WINDOW = 1_000_000;

/**
 * Run `fn(item)` for every item of a (possibly endless, possibly async) iterable with at most `window` items in
 * flight, and yield the results: in input order by default, as they complete with `ordered: false`.
 *
 * The first failed item stops the map, like Python's `Executor.map`: nothing more is read or submitted, the
 * tasks already in flight are waited for (their results dropped), then that item's exception is thrown.
 * Use {@link mapSettled} to get every failure as an item instead.
 *
 * Leaving the loop early (`break`, `return`, a throw in the loop body) or aborting `signal` stops reading the
 * input and closes it; the loop ends once the tasks in flight (at most `window`) have finished, so no task of
 * the map is left running.
 *
 * @example
 * for await (const y of parsl.map(double, range(10_000_000), { window: 5000 })) total += y;
 */
export function map<T, R>(
  fn: MapFunction<T, R>,
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptions = {},
): AsyncIterableIterator<R> {
  const run = new MapRun('map', fn, items, options, true);
  const it: AsyncIterableIterator<R> = {
    async next(): Promise<IteratorResult<R>> {
      const r = await run.next();
      if (r.done) return r;
      const o = r.value;
      if (o.ok) return { done: false, value: o.value };
      await run.return();
      throw o.error;
    },
    return: async (): Promise<IteratorResult<R>> => {
      await run.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

/**
 * Like {@link map}, but a failed item does not stop the stream: every item yields a {@link MapOutcome}
 * (`{ ok, index, item, value | error }`), in input order or, with `ordered: false`, as tasks complete.
 * An error thrown by the input itself ends the stream after the items already in flight have been yielded.
 */
export function mapSettled<T, R>(
  fn: MapFunction<T, R>,
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptions = {},
): AsyncIterableIterator<MapOutcome<T, R>> {
  return new MapRun('mapSettled', fn, items, options, false);
}

interface ReadOptions {
  readonly window: number;
  readonly ordered: boolean;
  readonly signal: AbortSignal | null;
}

function readOptions(owner: string, options: MapOptions): ReadOptions {
  const o = new OptionReader<MapOptions>(owner, options, KEYS);
  const signal = (o.raw('signal') ?? null) as AbortSignal | null;
  if (signal !== null && !(signal instanceof AbortSignal)) o.fail('signal', 'an AbortSignal');
  return {
    window: o.number('window', DEFAULT_WINDOW, { integer: true, min: 1, max: MAX_WINDOW }),
    ordered: o.bool('ordered', true),
    signal,
  };
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

type Source<T> =
  | { readonly sync: true; readonly it: Iterator<T> }
  | { readonly sync: false; readonly it: AsyncIterator<T> };

function openSource<T>(owner: string, items: Iterable<T> | AsyncIterable<T>): Source<T> {
  const x = items as Partial<Iterable<T> & AsyncIterable<T>> | null;
  const asyncIt = x?.[Symbol.asyncIterator];
  if (typeof asyncIt === 'function') return { sync: false, it: asyncIt.call(x) };
  const syncIt = x?.[Symbol.iterator];
  if (typeof syncIt === 'function') return { sync: true, it: syncIt.call(x) };
  throw new TypeError(
    `${owner}: items must be an iterable or an async iterable; got ${describeValue(items)}`,
  );
}

type Waiter<T, R> = {
  resolve(r: IteratorResult<MapOutcome<T, R>>): void;
  reject(e: unknown): void;
};

/**
 * The engine of map/mapSettled. `#held` counts items taken from the input (or being taken) and not yet
 * handed to the consumer; it never exceeds the window. Finished outcomes wait in a ring of window slots:
 * by index for ordered delivery, in completion order otherwise.
 */
class MapRun<T, R> implements AsyncIterableIterator<MapOutcome<T, R>> {
  readonly #fn: MapFunction<T, R>;
  readonly #source: Source<T>;
  readonly #window: number;
  readonly #ordered: boolean;
  readonly #ring: (MapOutcome<T, R> | undefined)[];
  /** Ordered: the next index to deliver. Unordered: the ring position of the oldest finished outcome. */
  #head = 0;
  /** Unordered: finished outcomes waiting in the ring. */
  #ready = 0;
  #held = 0;
  /** Tasks submitted and not finished. */
  #running = 0;
  #taken = 0;
  #exhausted = false;
  #sourceError: { readonly error: unknown } | null = null;
  #stopped = false;
  #pulling: Promise<void> | null = null;
  #waiters: Waiter<T, R>[] = [];
  #drained: (() => void)[] = [];
  #stopping: Promise<void> | null = null;
  readonly #signal: AbortSignal | null;
  #aborted: { readonly reason: unknown } | null = null;
  /** Set while `fn` is being called: an outcome that arrives synchronously is stored, not served re-entrantly. */
  #submitting = false;

  constructor(
    owner: string,
    fn: MapFunction<T, R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions,
    /** `map`: a failure is the last outcome taken, so taking it must not read more input. */
    readonly stopOnError: boolean,
  ) {
    const o = readOptions(owner, options);
    if (typeof fn !== 'function')
      throw new TypeError(`${owner}: fn must be a function (an app); got ${describeValue(fn)}`);
    this.#fn = fn;
    this.#source = openSource(owner, items);
    this.#window = o.window;
    this.#ordered = o.ordered;
    this.#ring = new Array(o.window);
    this.#signal = o.signal;
    if (o.signal?.aborted) this.#aborted = { reason: o.signal.reason };
    else o.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<MapOutcome<T, R>> {
    return this;
  }

  next(): Promise<IteratorResult<MapOutcome<T, R>>> {
    const aborted = this.#aborted;
    if (aborted !== null) {
      return this.#stop().then(() => {
        throw aborted.reason;
      });
    }
    if (this.#waiters.length === 0) {
      let r: IteratorResult<MapOutcome<T, R>> | null;
      try {
        r = this.#take();
      } catch (e) {
        return Promise.reject(e);
      }
      if (r !== null) return Promise.resolve(r);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#fill();
      this.#serve();
    });
  }

  /** Stop reading, close the input, and resolve when no task of this map is running any more. */
  async return(): Promise<IteratorResult<MapOutcome<T, R>>> {
    for (const w of this.#waiters.splice(0)) w.resolve(DONE);
    await this.#stop();
    return DONE;
  }

  readonly #onAbort = (): void => {
    const reason = this.#signal?.reason;
    this.#aborted = { reason };
    const waiting = this.#waiters.splice(0);
    void this.#stop().then(() => {
      for (const w of waiting) w.reject(reason);
    });
  };

  #stop(): Promise<void> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  async #drain(): Promise<void> {
    this.#end();
    await this.#pulling;
    if (!this.#exhausted) {
      this.#exhausted = true;
      await (this.#source.it as AsyncIterator<T>).return?.();
    }
    if (this.#running > 0) await new Promise<void>((r) => this.#drained.push(r));
  }

  /** No more input or delivery; a long-lived signal must not keep this map alive through its listener. */
  #end(): void {
    this.#stopped = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  /** A finished outcome or the end, or null when the consumer has to wait; keeps the window full. */
  #take(): IteratorResult<MapOutcome<T, R>> | null {
    this.#fill();
    const o = this.#shift();
    if (o !== undefined) {
      this.#held--;
      if (o.ok || !this.stopOnError) this.#fill();
      return { done: false, value: o };
    }
    if (this.#stopped || (this.#exhausted && this.#held === 0)) {
      const e = this.#sourceError;
      const first = !this.#stopped;
      this.#end();
      if (e !== null && first) throw e.error;
      return DONE;
    }
    return null;
  }

  #shift(): MapOutcome<T, R> | undefined {
    const n = this.#window;
    if (this.#ordered) {
      const slot = this.#head % n;
      const o = this.#ring[slot];
      if (o === undefined) return undefined;
      this.#ring[slot] = undefined;
      this.#head++;
      return o;
    }
    if (this.#ready === 0) return undefined;
    const o = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % n;
    this.#ready--;
    return o;
  }

  /** Hand finished outcomes (or the end) to waiting consumers. */
  #serve(): void {
    while (this.#waiters.length > 0) {
      let r: IteratorResult<MapOutcome<T, R>> | null;
      try {
        r = this.#take();
      } catch (e) {
        this.#waiters.shift()!.reject(e);
        continue;
      }
      if (r === null) return;
      this.#waiters.shift()!.resolve(r);
    }
  }

  /** Take items from the input while the window has room. */
  #fill(): void {
    if (this.#stopped || this.#exhausted) return;
    if (!this.#source.sync) {
      if (this.#pulling === null && this.#held < this.#window) this.#pulling = this.#pullAsync();
      return;
    }
    const it = this.#source.it;
    while (this.#held < this.#window && !this.#exhausted) {
      let r: IteratorResult<T>;
      try {
        r = it.next();
      } catch (e) {
        this.#endSource(e);
        return;
      }
      if (r.done) this.#exhausted = true;
      else this.#submit(r.value);
    }
  }

  async #pullAsync(): Promise<void> {
    const it = this.#source.it as AsyncIterator<T>;
    try {
      while (this.#held < this.#window && !this.#exhausted && !this.#stopped) {
        this.#held++; // the item being read counts against the window already
        let r: IteratorResult<T>;
        try {
          r = await it.next();
        } catch (e) {
          this.#held--;
          this.#endSource(e);
          return;
        }
        this.#held--;
        if (r.done) this.#exhausted = true;
        else if (!this.#stopped) this.#submit(r.value);
      }
    } finally {
      this.#pulling = null;
      this.#serve();
    }
  }

  #endSource(e: unknown): void {
    this.#exhausted = true;
    this.#sourceError = { error: e };
  }

  #submit(item: T): void {
    const index = this.#taken++;
    this.#held++;
    this.#running++;
    let f: PromiseLike<R>;
    this.#submitting = true;
    try {
      f = this.#fn(item);
      if (f instanceof Future) {
        // The kernel's futures take a plain callback: no native Promise per task on the hot path.
        f.onDone((d) => {
          this.#settle(
            d.settledOk
              ? { ok: true, index, item, value: d.settledValue as R }
              : { ok: false, index, item, error: asError(d.settledValue) },
          );
        });
        return;
      }
    } catch (e) {
      this.#settle({ ok: false, index, item, error: asError(e) });
      return;
    } finally {
      this.#submitting = false;
    }
    Promise.resolve(f).then(
      (value) => this.#settle({ ok: true, index, item, value }),
      (e: unknown) => this.#settle({ ok: false, index, item, error: asError(e) }),
    );
  }

  #settle(o: MapOutcome<T, R>): void {
    this.#running--;
    if (this.#stopped) {
      this.#held--;
      if (this.#running === 0) for (const r of this.#drained.splice(0)) r();
      return;
    }
    if (this.#ordered) this.#ring[o.index % this.#window] = o;
    else {
      this.#ring[(this.#head + this.#ready) % this.#window] = o;
      this.#ready++;
    }
    // Every caller of #submit serves or takes afterwards.
    if (!this.#submitting) this.#serve();
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
