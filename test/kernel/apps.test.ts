import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';

const { app, joinApp } = parsl;

describe.each(LOCAL_EXECUTORS)('JS apps on %s', (_name, makeExecutor) => {
  let teardown: () => Promise<void>;
  beforeEach(async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()] }));
  });
  afterEach(() => teardown());

  test('an app returns an AppFuture that resolves to the value', async () => {
    const double = app((x: number) => x * 2);
    const f = double(21);
    expect(f).toBeInstanceOf(parsl.AppFuture);
    expect(typeof f.tid).toBe('number');
    expect(await f).toBe(42);
    expect(await f.result()).toBe(42);
    expect(await f.exception()).toBeNull();
    expect(f.done()).toBe(true);
    expect(f.taskStatus()).toBe('exec_done');
  });

  test('task ids count up from 0 per kernel', async () => {
    const noop = app(() => 0);
    const ids = [noop(), noop(), noop()].map((f) => f.tid);
    expect(ids).toEqual([0, 1, 2]);
  });

  test('diamond dependencies resolve in order', async () => {
    const inc = app((x: number) => x + 1);
    const add = app((a: number, b: number) => a + b);
    const top = inc(1);
    const left = inc(top);
    const right = inc(top);
    expect(await add(left, right)).toBe(6);
  });

  test('a 5,000-long dependency chain runs without stack overflow', async () => {
    const inc = app((x: number) => x + 1);
    let f: parsl.AppFuture<number> = inc(0);
    for (let i = 1; i < 5000; i++) f = inc(f);
    expect(await f).toBe(5000);
  });

  test('futures nested in arrays, plain objects, the keyword object and inputs are resolved', async () => {
    const val = app((x: number) => x);
    const sum = app(
      (xs: number[], o: { a: number; b: { c: number } }, kw: { inputs: number[]; extra: number }) =>
        xs[0]! + xs[1]! + o.a + o.b.c + kw.inputs[0]! + kw.extra,
    );
    const r = sum([val(1), 2], { a: val(3), b: { c: val(4) } }, { inputs: [val(5)], extra: val(6) } as never);
    expect(await r).toBe(21);
  });

  test('plain Promises are dependencies too', async () => {
    const add = app((a: number, b: number) => a + b);
    const later = new Promise<number>((r) => setTimeout(() => r(40), 30));
    expect(await add(later, 2)).toBe(42);
  });

  test('a failed Promise argument fails the task with DependencyError', async () => {
    const id = app((a: number) => a);
    const e = await id(Promise.reject(new RangeError('no value')) as never).exception();
    expect(e).toBeInstanceOf(parsl.DependencyError);
    expect((e as Error).cause).toBeInstanceOf(Error);
    expect(((e as Error).cause as Error).message).toBe('no value');
  });

  test('lazy failure: a failed dependency gives dep_fail, unrelated tasks go on', async () => {
    const boom = app(() => {
      throw new TypeError('boom');
    });
    const inc = app((x: number) => x + 1);
    const bad = boom();
    const dependent = inc(bad);
    const further = inc(dependent);
    const unrelated = inc(1);
    expect(await unrelated).toBe(2);
    const e1 = await dependent.exception();
    expect(e1).toBeInstanceOf(parsl.DependencyError);
    expect(e1!.message).toContain(`task ${bad.tid}`);
    expect(dependent.taskStatus()).toBe('dep_fail');
    const e2 = await further.exception();
    expect(e2).toBeInstanceOf(parsl.DependencyError);
    // The root cause is the original exception, not the intermediate DependencyError.
    expect((e2!.cause as Error).name).toBe('TypeError');
    expect((e2!.cause as Error).message).toBe('boom');
    expect(bad.taskStatus()).toBe('failed');
  });

  test('exceptions keep their class name, message, stack and fields', async () => {
    const thrower = app(() => {
      class QuotaExceeded extends Error {
        code = 'EQUOTA';
        constructor() {
          super('quota exceeded');
          this.name = 'QuotaExceeded';
        }
      }
      throw new QuotaExceeded();
    });
    const e = (await thrower().exception()) as Error & { code?: string };
    expect(e.name).toBe('QuotaExceeded');
    expect(e.message).toBe('quota exceeded');
    expect(e.code).toBe('EQUOTA');
    expect(e.stack).toContain('quota exceeded');
    await expect(thrower().result()).rejects.toThrow('quota exceeded');
  });

  test('async app bodies are awaited', async () => {
    const slow = app(async (x: number) => {
      await new Promise((r) => setTimeout(r, 10));
      return x * 3;
    });
    expect(await Promise.all([slow(1), slow(2), slow(3)])).toEqual([3, 6, 9]);
  });

  test('apps may import modules inside their body', async () => {
    const hostname = app(async () => {
      const os = await import('node:os');
      return os.hostname();
    });
    expect(typeof (await hostname())).toBe('string');
  });

  test('join app returning a future, a list, and [] (which completes at once)', async () => {
    const double = app((x: number) => x * 2);
    const one = joinApp((x: number) => double(x));
    const many = joinApp((n: number) => Array.from({ length: n }, (_, i) => double(i)));
    const none = joinApp(() => []);
    expect(await one(5)).toBe(10);
    expect(await many(4)).toEqual([0, 2, 4, 6]);
    expect(await none()).toEqual([]);
  });

  test('join app inner failure gives JoinError naming the failed tasks, without retry', async () => {
    let calls = 0;
    const fails = app(() => {
      throw new Error('inner');
    });
    const ok = app(() => 1);
    const j = joinApp(() => {
      calls++;
      return [ok(), fails(), fails()];
    });
    const e = await j().exception();
    expect(e).toBeInstanceOf(parsl.JoinError);
    expect(e!.message).toMatch(/task \d+, task \d+/);
    expect((e!.cause as Error).message).toBe('inner');
    expect(calls).toBe(1);
  });

  test('join app returning something else fails with TypeError', async () => {
    const j = joinApp(() => 42 as never);
    const e = await j().exception();
    expect(e).toBeInstanceOf(TypeError);
  });

  test('taskStatus goes pending → launched → exec_done', async () => {
    let release!: (v: number) => void;
    const gate = new Promise<number>((r) => {
      release = r;
    });
    const id = app((x: number) => x);
    const f = id(gate);
    expect(f.taskStatus()).toBe('pending');
    release(7);
    expect(await f).toBe(7);
    expect(f.taskStatus()).toBe('exec_done');
  });
});

describe('executor routing', () => {
  test('apps run on the executors they name; an unknown label fails the task', async () => {
    const { teardown } = await loadKernel({
      executors: [
        new parsl.InProcessExecutor({ label: 'main' }),
        new parsl.ThreadPoolExecutor({ label: 'pool', maxThreads: 1 }),
      ],
    });
    try {
      const { isMainThread } = await import('node:worker_threads');
      expect(isMainThread).toBe(true);
      const where = (label: string) =>
        app(async () => (await import('node:worker_threads')).isMainThread, { executors: [label] });
      expect(await where('main')()).toBe(true);
      expect(await where('pool')()).toBe(false);
      const e = await where('nope')().exception();
      expect(e).toBeInstanceOf(parsl.ConfigurationError);
      expect(e!.message).toContain("'nope'");
    } finally {
      await teardown();
    }
  });
});
