import { AppTimeout, type TaskOutcome, type ThreadPoolExecutor, WorkerLost } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { errorOf, makeTask, resultOf, run } from '../helpers/executors.js';
import { startPool } from './start-pool.js';

let ex: ThreadPoolExecutor | null = null;
afterEach(async () => {
  await ex?.shutdown();
  ex = null;
});

const busyForever = function busyForever() {
  for (;;) {
    // a synchronous app that never yields: V8 must interrupt it
  }
};

/** Blocked inside a native call, where V8 cannot interrupt it: only terminating its thread helps. */
const blockedInNative = function blockedInNative() {
  require('node:child_process').execSync('sleep 4');
  return 'too late';
};

const inc = (x: number) => x + 1;

/**
 * On a one-thread pool that has learnt tasks are tiny (so it sends the next ones to the thread in one batch), run
 * `fn` with a 0.3 s walltime and 20 tasks queued behind it. Checks that `fn` fails with AppTimeout and every task
 * behind it succeeds.
 */
// biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
async function timeOutWithTasksBehind(fn: Function): Promise<ThreadPoolExecutor> {
  const pool = await startPool(1);
  ex = pool;
  await Promise.all(Array.from({ length: 500 }, (_, i) => run(pool, makeTask(inc, { args: [i] }))));
  const timed = run(pool, makeTask(fn, { walltimeMs: 300 }));
  const behind = Array.from({ length: 20 }, (_, i) => run(pool, makeTask(inc, { args: [i] })));
  const e = errorOf(await timed);
  expect(e).toBeInstanceOf(AppTimeout);
  expect(e.message).toMatch(new RegExp(`^app ${fn.name}\\d* exceeded its walltime of 0.3 s$`));
  expect((await Promise.all(behind)).map(resultOf)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  return pool;
}

describe('walltime on the thread pool', () => {
  test('a synchronous busy loop is interrupted inside its thread; the thread runs the tasks queued behind it', async () => {
    const pool = await timeOutWithTasksBehind(busyForever);
    // The same thread: the pool's backstop never had to step in.
    const s = pool.statistics();
    expect(s.threadsStarted).toBe(1);
    expect(s.requeued).toBe(0);
  });

  test('a task blocked in a native call is stopped by the pool: its thread is replaced, tasks behind it re-queued', async () => {
    const pool = await timeOutWithTasksBehind(blockedInNative);
    const s = pool.statistics();
    expect(s.requeued).toBeGreaterThan(0);
    expect(s.threads).toBe(1);
    expect(s.threadsStarted).toBe(2);
    expect(resultOf(await run(pool, makeTask(inc, { args: [41] })))).toBe(42);
  });

  test('an async app past its walltime fails with AppTimeout and its thread serves on', async () => {
    ex = await startPool(1);
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 60_000));
      return 'too late';
    };
    const e = errorOf(await run(ex, makeTask(slow, { walltimeMs: 200 })));
    expect(e).toBeInstanceOf(AppTimeout);
    expect(e.message).toMatch(/exceeded its walltime of 0.2 s$/);
    expect(
      resultOf(
        await run(
          ex,
          makeTask(() => 'next'),
        ),
      ),
    ).toBe('next');
    expect(ex.statistics().threadsStarted).toBe(1);
  });

  test('an app within its walltime returns normally and keeps its thread', async () => {
    ex = await startPool(1);
    const quick = async (x: number) => {
      await new Promise((r) => setTimeout(r, 10));
      return x;
    };
    expect(resultOf(await run(ex, makeTask(quick, { args: [5], walltimeMs: 30_000 })))).toBe(5);
    expect(
      resultOf(
        await run(
          ex,
          makeTask((x: number) => x * 2, { args: [5], walltimeMs: 30_000 }),
        ),
      ),
    ).toBe(10);
    expect(ex.statistics().threadsStarted).toBe(1);
  });
});

describe('long tasks do not hold back short ones', () => {
  /** A task that blocks its thread (Atomics.wait, which V8 cannot interrupt) until the test opens its gate. */
  const block = (gate: SharedArrayBuffer) => {
    const g = new Int32Array(gate);
    while (Atomics.load(g, 0) === 0) Atomics.wait(g, 0, 0);
    return 'released';
  };
  const open = (gate: SharedArrayBuffer) => {
    const g = new Int32Array(gate);
    Atomics.store(g, 0, 1);
    Atomics.notify(g, 0);
  };
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
    return ms;
  };
  // Warm-ups teach the pool different task durations, so it batches and prefetches differently (one task per
  // thread for unknown or long tasks, large batches for no-ops), and leave threads mid-revocation at different
  // points: stealing during the warm-up's tail is what once left a revocation unacknowledged.
  const warmUps = [
    { name: 'no warm-up', count: 0, ms: 0 },
    { name: '1000 no-ops', count: 1000, ms: 0 },
    { name: '10 no-ops', count: 10, ms: 0 },
    { name: '200 × 0.5 ms', count: 200, ms: 0.5 },
    { name: '20 × 5 ms', count: 20, ms: 5 },
  ];
  const cases = Array.from({ length: 30 }, (_, i) => ({
    threads: 2 + (i % 3),
    warmUp: warmUps[Math.floor(i / 2) % warmUps.length]!,
    short: [3, 40, 400][Math.floor(i / 3) % 3]!,
    spread: i % 2 === 1,
  }));

  test.each(cases)(
    '$threads threads, all but one blocked until released ($warmUp.name, $short short tasks, blocked tasks spread: $spread): every short task finishes',
    async ({ threads, warmUp, short, spread }) => {
      ex = await startPool(threads);
      const pool = ex;
      await Promise.all(
        Array.from({ length: warmUp.count }, () => run(pool, makeTask(spin, { args: [warmUp.ms] }))),
      );
      // One thread stays free; the others each get a task that never ends until its gate opens, submitted in the
      // same turn as the short tasks: first, or spread among them.
      const gates = Array.from({ length: threads - 1 }, () => new SharedArrayBuffer(4));
      const blockAt = gates.map((_, k) => (spread ? Math.floor((k * short) / gates.length) : 0));
      const blocked: Promise<TaskOutcome>[] = [];
      const results: Promise<unknown>[] = [];
      for (let i = 0; i < short; i++) {
        for (let k = 0; k < gates.length; k++)
          if (blockAt[k] === i) blocked.push(run(pool, makeTask(block, { args: [gates[k]] })));
        results.push(run(pool, makeTask(inc, { args: [i] })).then(resultOf));
      }
      // Before the gates open: if any short task were stranded behind a blocked one, this would never resolve.
      expect(await Promise.all(results)).toEqual(Array.from({ length: short }, (_, i) => i + 1));
      for (const g of gates) open(g);
      expect((await Promise.all(blocked)).map(resultOf)).toEqual(gates.map(() => 'released'));
      const s = pool.statistics();
      expect(s.threadsStarted).toBe(threads);
      expect(s.requeued).toBe(0);
    },
  );
});

describe('a worker thread that dies', () => {
  test('process.exit inside a task fails it with WorkerLost; tasks queued behind it still run', async () => {
    ex = await startPool(1);
    const inc = (x: number) => x + 1;
    await Promise.all(Array.from({ length: 500 }, (_, i) => run(ex!, makeTask(inc, { args: [i] }))));
    const before = Array.from({ length: 5 }, (_, i) => run(ex!, makeTask(inc, { args: [i] })));
    const exits = run(
      ex,
      makeTask(() => process.exit(7)),
    );
    const behind = Array.from({ length: 20 }, (_, i) => run(ex!, makeTask(inc, { args: [i] })));
    const e = errorOf(await exits);
    expect(e).toBeInstanceOf(WorkerLost);
    expect((e as WorkerLost).workerId).toBe('threads-0');
    expect((e as WorkerLost).host).toBe((await import('node:os')).hostname());
    expect(e.message).toMatch(/exit code 7/);
    expect((await Promise.all(before)).map(resultOf)).toEqual([1, 2, 3, 4, 5]);
    expect((await Promise.all(behind)).map(resultOf)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(ex.statistics().threads).toBe(1);
    expect(ex.statistics().threadsStarted).toBe(2);
  });

  test('an uncaught error in a task timer fails the running task with WorkerLost carrying the error', async () => {
    ex = await startPool(1);
    const boom = () =>
      new Promise(() => {
        setTimeout(() => {
          throw new RangeError('kaboom in a timer');
        }, 10);
      });
    const e = errorOf(await run(ex, makeTask(boom)));
    expect(e).toBeInstanceOf(WorkerLost);
    expect((e.cause as Error).message).toBe('kaboom in a timer');
    expect(
      resultOf(
        await run(
          ex,
          makeTask(() => 'still here'),
        ),
      ),
    ).toBe('still here');
  });
});
