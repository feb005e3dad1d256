import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';

const { app } = parsl;

/** A counter shared with workers through a file, so retries are observable from any executor. */
function counterFile(): { path: string; read: () => number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-count-'));
  const path = join(dir, 'count');
  writeFileSync(path, '0');
  return {
    path,
    read: () => Number(readFileSync(path, 'utf8')),
    remove: () => rmSync(dir, { recursive: true }),
  };
}

const succeedOnTry = app(async (path: string, n: number) => {
  const fs = await import('node:fs');
  const c = Number(fs.readFileSync(path, 'utf8')) + 1;
  fs.writeFileSync(path, String(c));
  if (c < n) throw new Error(`try ${c} fails`);
  return c;
});

describe.each(LOCAL_EXECUTORS)('retries on %s', (_name, makeExecutor) => {
  let teardown: () => Promise<void>;
  let counter: ReturnType<typeof counterFile>;
  afterEach(async () => {
    await teardown();
    counter.remove();
  });

  test('the Nth try succeeds when retries allow it', async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()], retries: 2 }));
    counter = counterFile();
    expect(await succeedOnTry(counter.path, 3)).toBe(3);
    expect(counter.read()).toBe(3);
  });

  test('the task fails after retries are used up, with the last error', async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()], retries: 2 }));
    counter = counterFile();
    const e = await succeedOnTry(counter.path, 10).exception();
    expect(e!.message).toBe('try 3 fails');
    expect(counter.read()).toBe(3);
  });

  test('a retry handler returning 0.5 per failure with retries=2 gives 5 tries', async () => {
    const seen: number[] = [];
    ({ teardown } = await loadKernel({
      executors: [makeExecutor()],
      retries: 2,
      retryHandler: (_e, task) => {
        seen.push(task.failCount);
        return 0.5;
      },
    }));
    counter = counterFile();
    const e = await succeedOnTry(counter.path, 100).exception();
    expect(e!.message).toBe('try 5 fails');
    expect(counter.read()).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  test('a throwing retry handler stops retries and its error is reported', async () => {
    ({ teardown } = await loadKernel({
      executors: [makeExecutor()],
      retries: 5,
      retryHandler: () => {
        throw new RangeError('handler gave up');
      },
    }));
    counter = counterFile();
    const e = await succeedOnTry(counter.path, 100).exception();
    expect(e).toBeInstanceOf(RangeError);
    expect(e!.message).toBe('handler gave up');
    expect(counter.read()).toBe(1);
  });

  test('dependency failures are never retried', async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()], retries: 3 }));
    counter = counterFile();
    const boom = app(() => {
      throw new Error('x');
    });
    const bump = app(async (path: string, _dep: unknown) => {
      const fs = await import('node:fs');
      fs.writeFileSync(path, String(Number(fs.readFileSync(path, 'utf8')) + 1));
    });
    const f = bump(counter.path, boom());
    expect(await f.exception()).toBeInstanceOf(parsl.DependencyError);
    expect(f.taskStatus()).toBe('dep_fail');
    expect(counter.read()).toBe(0);
  });
});

describe.each(LOCAL_EXECUTORS)('walltime on %s', (_name, makeExecutor) => {
  let teardown: () => Promise<void>;
  beforeEach(async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()] }));
  });
  afterEach(() => teardown());

  test('an async app over its walltime fails with AppTimeout; a fast one succeeds', async () => {
    const sleepy = app(async (ms: number, _kw: parsl.AppKwargs) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    });
    const e = await sleepy(5000, { walltime: 0.2 }).exception();
    expect(e).toBeInstanceOf(parsl.AppTimeout);
    expect(await sleepy(1, { walltime: 5 })).toBe(1);
  });

  test('a malformed walltime fails the task with a clear error', async () => {
    const f = app((_kw: parsl.AppKwargs) => 1);
    const e = await f({ walltime: -1 }).exception();
    expect(e).toBeInstanceOf(parsl.ConfigurationError);
    expect(e!.message).toContain('walltime');
  });
});
