import { describe, expect, test } from 'vitest';
import {
  describeFunction,
  encodeValue,
  FLUSH_AFTER_MS,
  FunctionLoader,
  KnownFunctions,
  type ResultWire,
  TaskLoop,
  type TaskLoopPort,
  type TaskWire,
} from '#internal';

let nextId = 1;

// biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
function task(fn: Function, args: unknown[] = [], walltimeMs: number | null = null): TaskWire {
  return {
    id: nextId++,
    tryId: 0,
    appName: fn.name || 'app',
    kind: 'js',
    fn: describeFunction(fn),
    args: encodeValue(args) as unknown[],
    walltimeMs,
    bash: null,
  };
}

type Event = ['result', number] | ['deliver', number] | ['started', number];

/** A port that records what the loop does, in order. */
function recorder(claim?: TaskLoopPort['claim']): { port: TaskLoopPort; events: Event[]; values: unknown[] } {
  const events: Event[] = [];
  const values: unknown[] = [];
  let batch = 0;
  const port: TaskLoopPort = {
    collect(r: ResultWire) {
      batch++;
      events.push(['result', r.id]);
      values.push(r.ok ? r.value : r.error.name);
    },
    deliver(busyMs) {
      expect(busyMs).toBeGreaterThanOrEqual(0);
      events.push(['deliver', batch]);
      batch = 0;
    },
    started(w) {
      events.push(['started', w.id]);
    },
  };
  if (claim) port.claim = claim;
  return { port, events, values };
}

function square(x: number) {
  return x * x;
}

function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return ms;
}

/**
 * A loop that closes batches only when its queue empties (or before an async or timed task), never by age: the
 * exact event sequences below must not depend on how fast a task runs (a cold process compiles its first task
 * in more than FLUSH_AFTER_MS). Flushing by age has its own test.
 */
function untimedLoop(port: TaskLoopPort): TaskLoop {
  return new TaskLoop(port, new FunctionLoader(), Number.POSITIVE_INFINITY);
}

function cube(x: number) {
  return x * x * x;
}

describe('TaskLoop', () => {
  test('runs quick synchronous tasks in order and delivers them in one batch', () => {
    const { port, events, values } = recorder();
    const loop = untimedLoop(port);
    const tasks = [1, 2, 3].map((x) => task(square, [x]));
    for (const t of tasks) loop.push(t);
    loop.pump();
    expect(values).toEqual([1, 4, 9]);
    expect(events).toEqual([...tasks.map((t) => ['result', t.id]), ['deliver', 3]]);
  });

  test('a failure queued in place of a task is reported in its turn; a revoked task is skipped', () => {
    const { port, events } = recorder((w) => (w.appName === 'revoked' ? null : w));
    const loop = untimedLoop(port);
    const a = task(square, [2]);
    const revoked = { ...task(square, [3]), appName: 'revoked' };
    const c = task(square, [4]);
    loop.push(a);
    loop.push({
      id: 99,
      ok: false,
      error: { name: 'SerializationError', message: 'x', stack: '', props: {}, cause: null },
    });
    loop.push(revoked);
    loop.push(c);
    loop.pump();
    expect(events).toEqual([
      ['result', a.id],
      ['result', 99],
      ['result', c.id],
      ['deliver', 3],
    ]);
  });

  test('results before an async task are delivered before it is awaited; the loop resumes after it', async () => {
    const { port, events, values } = recorder();
    const loop = untimedLoop(port);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slot = globalThis as { __taskLoopGate?: Promise<void> };
    slot.__taskLoopGate = gate;
    const waits = async function waits() {
      await (globalThis as { __taskLoopGate?: Promise<void> }).__taskLoopGate;
      return 'waited';
    };
    const a = task(square, [5]);
    const b = task(waits);
    const c = task(square, [6]);
    loop.push(a);
    loop.push(b);
    loop.push(c);
    loop.pump();
    expect(events).toEqual([
      ['result', a.id],
      ['deliver', 1],
    ]);
    // Tasks pushed while the loop waits run after the async one, in order.
    const d = task(square, [7]);
    loop.push(d);
    loop.pump();
    expect(events).toHaveLength(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect(values).toEqual([25, 'waited', 36, 49]);
    expect(events.slice(2)).toEqual([
      ['result', b.id],
      ['result', c.id],
      ['result', d.id],
      ['deliver', 3],
    ]);
    delete slot.__taskLoopGate;
  });

  test('a task with a walltime is reported as started after every earlier result was delivered', () => {
    const { port, events } = recorder();
    const loop = untimedLoop(port);
    const a = task(square, [1]);
    const timed = task(square, [2], 10_000);
    loop.push(a);
    loop.push(timed);
    loop.pump();
    expect(events).toEqual([
      ['result', a.id],
      ['deliver', 1],
      ['started', timed.id],
      ['result', timed.id],
      ['deliver', 1],
    ]);
  });

  test(`a long run of synchronous tasks is delivered every ${FLUSH_AFTER_MS} ms, not only at the end`, () => {
    const { port, events } = recorder();
    const loop = new TaskLoop(port, new FunctionLoader());
    for (let i = 0; i < 10; i++) loop.push(task(spin, [FLUSH_AFTER_MS]));
    loop.pump();
    const deliveries = events.filter((e) => e[0] === 'deliver');
    expect(deliveries.length).toBeGreaterThan(1);
    expect(deliveries.reduce((n, e) => n + e[1], 0)).toBe(10);
  });

  test('results go out before a function that never returned here starts (it might block for good)', () => {
    const { port, events } = recorder();
    const loop = untimedLoop(port);
    const [a, b, c, d] = [task(square, [1]), task(cube, [2]), task(square, [3]), task(cube, [4])];
    for (const t of [a, b, c, d]) loop.push(t);
    loop.pump();
    expect(events).toEqual([
      ['result', a!.id],
      ['deliver', 1],
      ['result', b!.id],
      ['result', c!.id],
      ['result', d!.id],
      ['deliver', 3],
    ]);
  });

  test('a loop whose sender sizes batches itself delivers once the queue is empty', () => {
    const { port, events } = recorder();
    const loop = new TaskLoop(port, new FunctionLoader(), Number.POSITIVE_INFINITY);
    for (let i = 0; i < 5; i++) loop.push(task(spin, [FLUSH_AFTER_MS]));
    loop.pump();
    expect(events.filter((e) => e[0] === 'deliver')).toEqual([['deliver', 5]]);
  });

  test('a task whose arguments cannot even be read fails on its own; the loop goes on', () => {
    const { port, values } = recorder();
    const loop = new TaskLoop(port, new FunctionLoader());
    const poisoned = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new RangeError('unreadable argument');
      },
    });
    loop.push({ ...task(square, []), args: [poisoned] });
    loop.push(task(square, [3]));
    loop.pump();
    expect(values).toEqual(['RangeError', 9]);
  });

  test('a synchronous body past its walltime fails with AppTimeout and the next task runs', () => {
    const { port, values } = recorder();
    const loop = new TaskLoop(port, new FunctionLoader());
    const busy = function busy() {
      for (;;) {
        // interrupted by the walltime bound
      }
    };
    loop.push(task(busy, [], 100));
    loop.push(task(square, [3]));
    loop.pump();
    expect(values).toEqual(['AppTimeout', 9]);
  });
});

describe('KnownFunctions', () => {
  const source = describeFunction(square);
  const other = describeFunction(function other() {
    return 1;
  });

  test('a source travels in the first task only; a failed send can be undone', () => {
    const known = new KnownFunctions();
    const added: string[] = [];
    expect(known.inTask(source, added)).toBe(source);
    expect(added).toEqual([source.id]);
    const again = known.inTask(source, added);
    expect(again).toMatchObject({ id: source.id, source: null });
    expect(added).toEqual([source.id]);
    known.forget(added);
    expect(known.has(source.id)).toBe(false);
    expect(known.inTask(source, [])).toBe(source);
  });

  test('module references always travel whole', () => {
    const known = new KnownFunctions();
    const mod = describeFunction(square, { module: import.meta.url, exportName: 'square' });
    const added: string[] = [];
    expect(known.inTask(mod, added)).toBe(mod);
    expect(known.inTask(mod, added)).toBe(mod);
    expect(added).toEqual([]);
  });

  test('a batch carries the sources its receiver lacks, each once', () => {
    const known = new KnownFunctions();
    const table = new Map([
      [source.id, source],
      [other.id, other],
    ]);
    expect(known.forBatch([source.id, source.id, 'unknown', source.id], table)).toEqual([source]);
    expect(known.forBatch([source.id, other.id, other.id], table)).toEqual([other]);
    expect(known.forBatch([other.id, source.id], table)).toEqual([]);
    expect(known.has('unknown')).toBe(false);
  });

  test('fresh() keeps what the receivers have not been sent', () => {
    const known = new KnownFunctions();
    expect(known.fresh([source, other])).toEqual([source, other]);
    expect(known.fresh([other, source])).toEqual([]);
  });
});
