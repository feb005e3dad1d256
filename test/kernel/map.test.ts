import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';

const { app, map, mapSettled } = parsl;

const FINAL = new Set(['exec_done', 'failed', 'dep_fail', 'memo_done']);

/** States of tasks that are not final: none after a map's loop has ended, whichever way it ended. */
function unfinished(dfk: parsl.DataFlowKernel): Record<string, number> {
  return Object.fromEntries(Object.entries(dfk.stateCounts()).filter(([s]) => !FINAL.has(s)));
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** An input that counts how far it was read and whether it was closed. */
class CountingInput {
  pulled = 0;
  closed = false;
  constructor(readonly length = Number.POSITIVE_INFINITY) {}
  *[Symbol.iterator](): Generator<number> {
    try {
      while (this.pulled < this.length) yield this.pulled++;
    } finally {
      this.closed = true;
    }
  }
  async *async(): AsyncGenerator<number> {
    try {
      while (this.pulled < this.length) {
        await null;
        yield this.pulled++;
      }
    } finally {
      this.closed = true;
    }
  }
}

describe.each(LOCAL_EXECUTORS)('map on %s', (_name, makeExecutor) => {
  let dfk: parsl.DataFlowKernel;
  let teardown: () => Promise<void>;
  beforeEach(async () => {
    ({ dfk, teardown } = await loadKernel({ executors: [makeExecutor()] }));
  });
  afterEach(() => teardown());

  const double = app((x: number) => x * 2);

  test.each([
    ['sync', true],
    ['sync', false],
    ['async', true],
    ['async', false],
  ] as const)('the window is never exceeded (%s input, ordered: %s)', async (kind, ordered) => {
    const window = 7;
    const input = new CountingInput(300);
    let running = 0;
    let maxRunning = 0;
    let maxHeld = 0;
    let consumed = 0;
    const counted = (x: number) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const f = double(x);
      f.onDone(() => running--);
      return f;
    };
    const items = kind === 'sync' ? input : input.async();
    const out: number[] = [];
    for await (const y of map(counted, items, { window, ordered })) {
      consumed++;
      maxHeld = Math.max(maxHeld, input.pulled - consumed);
      out.push(y);
      // A pause every few items: the map refills the window while the consumer is busy, and no further.
      if (consumed % 50 === 0 && input.pulled < input.length) {
        await eventually(() => input.pulled - consumed === window, {
          what: `the window refilled (${input.pulled} read, ${consumed} consumed)`,
        });
        await dfk.waitForCurrentTasks();
        maxHeld = Math.max(maxHeld, input.pulled - consumed);
      }
    }
    expect(maxRunning).toBeLessThanOrEqual(window);
    expect(maxHeld).toBe(window);
    expect(out.length).toBe(300);
    expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => 2 * i));
    if (ordered) expect(out).toEqual(Array.from({ length: 300 }, (_, i) => 2 * i));
  });

  test('backpressure: a consumer that stops reading stops the input at the window', async () => {
    const input = new CountingInput();
    const it = map(double, input, { window: 5 });
    expect(input.pulled).toBe(0); // nothing is read before the first next()
    expect(await it.next()).toEqual({ done: false, value: 0 });
    expect(input.pulled).toBe(6); // the item delivered, and the window refilled
    await eventually(() => dfk.stateCounts().exec_done === 6, { what: 'the window of tasks done' });
    await dfk.waitForCurrentTasks();
    expect(input.pulled).toBe(6);
    expect(dfk.taskCount).toBe(6);
    await it.return?.();
    expect(input.closed).toBe(true);
  });

  test('ordered: results come in input order whatever order tasks finish in', async () => {
    const gates = Array.from({ length: 8 }, () => deferred<number>());
    const waitFor = app((x: number) => x);
    const it = map((i: number) => waitFor(gates[i]!.promise), [0, 1, 2, 3, 4, 5, 6, 7], { window: 8 });
    const first = it.next();
    for (let i = 7; i >= 0; i--) gates[i]!.resolve(i * 10);
    const out = [(await first).value];
    for await (const y of it) out.push(y);
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  test('as completed: results come in the order tasks finish, with their index in mapSettled', async () => {
    const gates = Array.from({ length: 6 }, () => deferred<number>());
    const waitFor = app((x: number) => x);
    const it = mapSettled((i: number) => waitFor(gates[i]!.promise), [0, 1, 2, 3, 4, 5], {
      window: 6,
      ordered: false,
    });
    const order = [3, 5, 0, 4, 1, 2];
    const seen: number[] = [];
    for (const i of order) {
      const next = it.next();
      gates[i]!.resolve(i * 10);
      const r = await next;
      if (r.done) throw new Error('ended early');
      expect(r.value).toEqual({ ok: true, index: i, item: i, value: i * 10 });
      seen.push(r.value.index);
    }
    expect(seen).toEqual(order);
    expect((await it.next()).done).toBe(true);
  });

  test.each([
    ['sync', true],
    ['async', false],
  ] as const)(
    'break stops an endless %s input, closes it and leaves no task running (ordered: %s)',
    async (kind, ordered) => {
      const input = new CountingInput();
      const items = kind === 'sync' ? input : input.async();
      let n = 0;
      for await (const y of map(double, items, { window: 16, ordered })) {
        expect(y % 2).toBe(0);
        if (++n === 40) break;
      }
      expect(input.closed).toBe(true);
      expect(unfinished(dfk)).toEqual({});
      expect([...dfk.executors.values()].map((e) => e.outstanding())).toEqual([0]);
      expect(input.pulled).toBeLessThanOrEqual(40 + 16);
      // An item being read when the loop ended is dropped, not submitted.
      expect(dfk.taskCount).toBeGreaterThanOrEqual(input.pulled - (kind === 'async' ? 1 : 0));
      expect(dfk.taskCount).toBeLessThanOrEqual(input.pulled);
    },
  );

  test('a throw in the loop body also drains the tasks in flight', async () => {
    const input = new CountingInput();
    const boom = new Error('consumer failed');
    await expect(async () => {
      for await (const _ of map(double, input, { window: 10 })) throw boom;
    }).rejects.toBe(boom);
    expect(input.closed).toBe(true);
    expect(unfinished(dfk)).toEqual({});
  });

  test('map stops at the first failed item and throws its exception', async () => {
    const input = new CountingInput(1000);
    const failAt3 = app((x: number) => {
      if (x === 3) throw new RangeError(`item ${x} is bad`);
      return x;
    });
    const out: number[] = [];
    await expect(async () => {
      for await (const y of map(failAt3, input, { window: 4 })) out.push(y);
    }).rejects.toThrow(/item 3 is bad/);
    expect(out).toEqual([0, 1, 2]);
    expect(input.pulled).toBe(3 + 4); // the window refilled after each item delivered before the failure
    expect(input.closed).toBe(true);
    expect(unfinished(dfk)).toEqual({});
  });

  test('aborting the signal drains the tasks in flight, then the pending next() rejects with its reason', async () => {
    const input = new CountingInput();
    const gate = deferred<number>();
    const waitFor = app((x: number, _gate: number) => x);
    const controller = new AbortController();
    const it = map((i: number) => waitFor(i, gate.promise), input, { window: 4, signal: controller.signal });
    const pending = it.next();
    const reason = new Error('enough');
    controller.abort(reason);
    let rejected = false;
    const settled = pending.catch((e: unknown) => {
      rejected = e === reason;
    });
    expect(unfinished(dfk)).not.toEqual({}); // the 4 tasks in flight wait for the gate: no rejection before they end
    gate.resolve(0);
    await settled;
    expect(rejected).toBe(true);
    expect(unfinished(dfk)).toEqual({});
    expect(input.closed).toBe(true);
    expect(input.pulled).toBe(4);
    await expect(it.next()).rejects.toBe(reason);
  });

  test('a signal outlives the map without keeping a listener on it', async () => {
    const controller = new AbortController();
    for await (const _ of map(double, [1, 2, 3], { signal: controller.signal })) {
      // drain
    }
    for await (const _ of map(double, new CountingInput(), { signal: controller.signal })) break;
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  test('mapSettled yields failed items and goes on', async () => {
    const oddFails = app((x: number) => {
      if (x % 2 === 1) throw new Error(`odd ${x}`);
      return x;
    });
    const got: parsl.MapOutcome<number, number>[] = [];
    for await (const o of mapSettled(oddFails, [0, 1, 2, 3, 4], { window: 2 })) got.push(o);
    expect(got.map((o) => (o.ok ? o.value : o.error.message))).toEqual([0, 'odd 1', 2, 'odd 3', 4]);
    expect(got.map((o) => [o.index, o.item])).toEqual([0, 1, 2, 3, 4].map((i) => [i, i]));
    const failed = got[1]!;
    expect(!failed.ok && failed.error.name).toBe('Error');
  });

  test('an input that throws: the items in flight are still delivered, then its error', async () => {
    const bad = new Error('input broke');
    function* input() {
      yield 1;
      yield 2;
      throw bad;
    }
    const got: unknown[] = [];
    await expect(async () => {
      for await (const o of mapSettled(double, input(), { window: 10 })) got.push(o.ok && o.value);
    }).rejects.toBe(bad);
    expect(got).toEqual([2, 4]);
    expect(unfinished(dfk)).toEqual({});
  });

  test('a function that throws instead of returning a future fails its item only', async () => {
    const picky = (x: number) => {
      if (x === 1) throw new TypeError('not this one');
      return double(x);
    };
    const got = [];
    for await (const o of mapSettled(picky, [0, 1, 2])) got.push(o.ok ? o.value : o.error.message);
    expect(got).toEqual([0, 'not this one', 4]);
  });
});

describe('map options and input', () => {
  const plain = (x: number) => Promise.resolve(x);

  test('works with any function returning a PromiseLike, and an empty input', async () => {
    const out: number[] = [];
    for await (const y of map(plain, new Set([1, 2, 3]))) out.push(y);
    expect(out).toEqual([1, 2, 3]);
    expect((await map(plain, []).next()).done).toBe(true);
  });

  test.each([
    [{ window: 0 }, /map\.window must be .*got the number 0/],
    [{ window: 1.5 }, /map\.window must be .*got the number 1\.5/],
    [{ ordered: 'yes' }, /map\.ordered must be true or false/],
    [{ windowSize: 3 }, /map: unknown option 'windowSize'/],
    [{ signal: 'stop' }, /map\.signal must be an AbortSignal; got/],
  ])('bad options fail at once with a message naming the option: %o', (options, message) => {
    expect(() => map(plain, [1], options as parsl.MapOptions)).toThrow(message);
    expect(() => map(plain, [1], options as parsl.MapOptions)).toThrow(parsl.ConfigurationError);
  });

  test('an input that throws at once rejects the first next(), it does not throw synchronously', async () => {
    const bad = new Error('no input today');
    const broken: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw bad;
        },
      }),
    };
    const it = mapSettled(plain, broken);
    let p: Promise<unknown> | null = null;
    expect(() => {
      p = it.next();
    }).not.toThrow();
    await expect(p).rejects.toBe(bad);
    expect((await it.next()).done).toBe(true);
  });

  test('an input that is not iterable fails at once', () => {
    expect(() => mapSettled(plain, 42 as unknown as number[])).toThrow(
      /mapSettled: items must be an iterable or an async iterable; got/,
    );
  });
});
