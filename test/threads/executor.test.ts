import {
  BadStateException,
  ConfigurationError,
  IllegalStateError,
  InvalidResourceSpecification,
  SerializationError,
  ThreadPoolExecutor,
} from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorOf, makeTask, resultOf, run } from '../helpers/executors.js';
import { startPool } from './start-pool.js';

describe('ThreadPoolExecutor options', () => {
  test('defaults: label threads, one thread per core', async () => {
    const { availableParallelism } = await import('node:os');
    const ex = new ThreadPoolExecutor();
    expect(ex.label).toBe('threads');
    expect(ex.maxThreads).toBe(availableParallelism());
  });

  test.each([
    [{ maxThread: 2 }, /unknown option 'maxThread'/],
    [{ maxThreads: 0 }, /ThreadPoolExecutor.maxThreads must be a whole number ≥ 1; got the number 0/],
    [{ maxThreads: 1.5 }, /ThreadPoolExecutor.maxThreads must be/],
    [{ maxThreads: '2' }, /ThreadPoolExecutor.maxThreads must be .*; got the string "2"/],
    [{ label: '' }, /ThreadPoolExecutor.label must be a non-empty string/],
    [{ label: 7 }, /ThreadPoolExecutor.label must be a string; got the number 7/],
    [{ max_threads: 2 }, /unknown option 'max_threads'.*'maxThreads'/],
  ])('%j is a ConfigurationError naming the field', (opts, message) => {
    expect(() => new ThreadPoolExecutor(opts as never)).toThrow(ConfigurationError);
    expect(() => new ThreadPoolExecutor(opts as never)).toThrow(message);
  });

  test('submit before start is an IllegalStateError', () => {
    const ex = new ThreadPoolExecutor({ maxThreads: 1 });
    expect(() =>
      ex.submit(
        makeTask(() => 1),
        () => {},
      ),
    ).toThrow(IllegalStateError);
  });
});

describe('ThreadPoolExecutor tasks', () => {
  let ex: ThreadPoolExecutor;
  beforeAll(async () => {
    ex = await startPool(2);
  });
  afterAll(async () => {
    await ex.shutdown();
  });

  test('10,000 tasks each get their own result, whatever the completion order', async () => {
    const square = (x: number) => x * x;
    // Mixed durations so completions interleave across threads.
    const slowish = async (x: number) => {
      await new Promise((r) => setTimeout(r, x % 7));
      return x * x;
    };
    const n = 10_000;
    const outcomes = await Promise.all(
      Array.from({ length: n }, (_, i) => run(ex, makeTask(i % 50 === 0 ? slowish : square, { args: [i] }))),
    );
    expect(outcomes.map(resultOf)).toEqual(Array.from({ length: n }, (_, i) => i * i));
    expect(ex.outstanding()).toBe(0);
  });

  test('batches and sends each function source once per thread', async () => {
    const fresh = await startPool(2);
    try {
      const cube = (x: number) => x * x * x;
      const first = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => run(fresh, makeTask(cube, { args: [i] }))),
      );
      const second = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => run(fresh, makeTask(cube, { args: [i] }))),
      );
      expect([...first, ...second].map(resultOf)).toEqual(
        [...first, ...second].map((_, i) => (i % 2000) ** 3),
      );
      const s = fresh.statistics();
      expect(s.tasksSent).toBe(4000 + s.stolen); // a task taken back from a busy thread is sent again
      expect(s.threadsStarted).toBe(2);
      // Each thread that received tasks got the source exactly once.
      expect(s.sourcesSent).toBeLessThanOrEqual(2);
      expect(s.sourcesSent).toBeGreaterThanOrEqual(1);
      expect(s.messagesSent).toBeLessThan(s.tasksSent);
    } finally {
      await fresh.shutdown();
    }
  });

  test('async functions are awaited on the worker', async () => {
    const later = async (x: number) => {
      await new Promise((r) => setTimeout(r, 5));
      return { doubled: x * 2, at: typeof performance.now() };
    };
    expect(resultOf(await run(ex, makeTask(later, { args: [21] })))).toEqual({ doubled: 42, at: 'number' });
  });

  test('values keep their structure: Map, Date, bigint, nested arrays', async () => {
    const echo = (v: unknown) => v;
    const input = [new Map([[1, 'a']]), new Date(0), 2n ** 70n, [[1], { x: [2] }]];
    expect(resultOf(await run(ex, makeTask(echo, { args: [input] })))).toEqual(input);
  });

  test('a thrown TypeError keeps its class, message and stack', async () => {
    const bad = (o: unknown) => (o as { x: { y: number } }).x.y;
    const e = errorOf(await run(ex, makeTask(bad, { args: [{}] })));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.name).toBe('TypeError');
    expect(e.message).toMatch(/undefined/);
    expect(e.stack).toMatch(/TypeError/);
    expect(e.stack).toMatch(/\n\s+at /);
  });

  test('a custom error class keeps its name, message, stack and fields', async () => {
    const fail = () => {
      class MyErr extends Error {
        code = 'E_MINE';
        constructor(message: string) {
          super(message);
          this.name = 'MyErr';
        }
      }
      throw new MyErr('it went wrong');
    };
    const e = errorOf(await run(ex, makeTask(fail)));
    expect(e.name).toBe('MyErr');
    expect(e.message).toBe('it went wrong');
    expect(e.stack).toMatch(/^MyErr: it went wrong/);
    expect((e as Error & { code?: string }).code).toBe('E_MINE');
  });

  test('an uncloneable argument fails only its task with SerializationError naming the argument', async () => {
    const add = (a: number, b: unknown) => a + (typeof b === 'number' ? b : 0);
    await Promise.all(Array.from({ length: 200 }, () => run(ex, makeTask(add, { args: [1, 1] })))); // warm: batches > 1
    const tasks = [
      makeTask(add, { args: [1, 2] }),
      makeTask(add, { args: [1, () => 2] }),
      makeTask(add, { args: [3, 4] }),
    ];
    const [a, b, c] = await Promise.all(tasks.map((t) => run(ex, t)));
    expect(resultOf(a!)).toBe(3);
    expect(resultOf(c!)).toBe(7);
    const e = errorOf(b!);
    expect(e).toBeInstanceOf(SerializationError);
    expect(e.message).toMatch(/argument 1 of app add/);
    expect(e.message).toMatch(/function/);
  });

  test('an uncloneable result fails only its task with SerializationError naming the type', async () => {
    const make = (kind: string) => (kind === 'symbol' ? Symbol('s') : kind === 'fn' ? { f: () => 1 } : kind);
    const [a, b, c, d] = await Promise.all(
      ['ok', 'symbol', 'fn', 'fine'].map((k) => run(ex, makeTask(make, { args: [k] }))),
    );
    expect(resultOf(a!)).toBe('ok');
    expect(resultOf(d!)).toBe('fine');
    const es = errorOf(b!);
    expect(es).toBeInstanceOf(SerializationError);
    expect(es.message).toMatch(/result of app make \(a symbol \(s\)\)/);
    const ef = errorOf(c!);
    expect(ef).toBeInstanceOf(SerializationError);
    expect(ef.message).toMatch(/result of app make \(a plain object\)/);
  });

  test('function sources with bundler-injected __name() run', async () => {
    // What esbuild (tsx, vitest) emits for named inner functions when keepNames is on.
    const withName = new Function(
      'return (x) => { const inner = __name(() => x + 1, "inner"); return inner.name + ":" + inner(); }',
    )() as (x: number) => string;
    expect(Function.prototype.toString.call(withName)).toContain('__name(');
    expect(resultOf(await run(ex, makeTask(withName, { args: [41] })))).toBe('inner:42');
  });

  test('a function referenced by module keeps its module scope', async () => {
    const { baseWithSuffix } = (await import('../fixtures/threads-module-fn.mjs')) as {
      baseWithSuffix: (p: string) => string;
    };
    const url = new URL('../fixtures/threads-module-fn.mjs', import.meta.url).href;
    const t = makeTask(baseWithSuffix, { args: ['/a/b/report'], module: { module: url } });
    expect(t.fn.kind).toBe('module');
    const outcomes = await Promise.all([
      run(ex, t),
      run(ex, makeTask(baseWithSuffix, { args: ['x/y'], module: { module: url } })),
    ]);
    expect(outcomes.map(resultOf)).toEqual(['report.txt', 'y.txt']);
  });

  test('a non-empty resourceSpecification fails the task with InvalidResourceSpecification', async () => {
    const e = errorOf(
      await run(
        ex,
        makeTask(() => 1, { resourceSpecification: { cores: 2 } }),
      ),
    );
    expect(e).toBeInstanceOf(InvalidResourceSpecification);
    expect((e as InvalidResourceSpecification).invalidKeys).toEqual(['cores']);
    expect(
      resultOf(
        await run(
          ex,
          makeTask(() => 1, { resourceSpecification: {} }),
        ),
      ),
    ).toBe(1);
  });
});

describe('ThreadPoolExecutor shutdown', () => {
  test('fails pending tasks with BadStateException, is idempotent, refuses new tasks', async () => {
    const ex = await startPool(1);
    const hang = () => new Promise(() => {});
    const pending = [
      run(ex, makeTask(hang)),
      run(ex, makeTask(hang)),
      run(
        ex,
        makeTask(() => 1),
      ),
    ];
    await eventually(() => ex.statistics().tasksSent >= 1, { what: 'one task running on the thread' });
    const a = ex.shutdown();
    const b = ex.shutdown();
    await Promise.all([a, b]);
    for (const o of await Promise.all(pending)) {
      const e = errorOf(o);
      expect(e).toBeInstanceOf(BadStateException);
      expect(e.message).toMatch(/shut down/);
    }
    expect(ex.statistics().threads).toBe(0);
    expect(ex.outstanding()).toBe(0);
    expect(
      errorOf(
        await run(
          ex,
          makeTask(() => 1),
        ),
      ),
    ).toBeInstanceOf(BadStateException);
  });
});
