import { AppTimeout, type ThreadPoolExecutor, WorkerLost } from 'parsl-ts';
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
    // a synchronous app that never yields: only terminating its thread stops it
  }
};

describe('walltime on the thread pool', () => {
  test('a synchronous busy loop fails with AppTimeout; its thread is replaced and the pool keeps working', async () => {
    ex = await startPool(2);
    const e = errorOf(await run(ex, makeTask(busyForever, { walltimeMs: 300 })));
    expect(e).toBeInstanceOf(AppTimeout);
    expect(e.message).toMatch(/app busyForever\d* exceeded its walltime of 0.3 s/);
    const s = ex.statistics();
    expect(s.threads).toBe(2);
    expect(s.threadsStarted).toBe(3);
    // Both threads run tasks again: two tasks that wait for each other need two free threads.
    const sab = new SharedArrayBuffer(8);
    const meet = (buf: SharedArrayBuffer, me: number) => {
      const a = new Int32Array(buf);
      Atomics.store(a, me, 1);
      Atomics.notify(a, me);
      return Atomics.wait(a, 1 - me, 0, 30_000) !== 'timed-out' ? 'met' : 'alone';
    };
    const both = await Promise.all([
      run(ex, makeTask(meet, { args: [sab, 0] })),
      run(ex, makeTask(meet, { args: [sab, 1] })),
    ]);
    expect(both.map(resultOf)).toEqual(['met', 'met']);
  });

  test('tasks waiting behind the timed-out task on its thread are re-queued, not failed', async () => {
    ex = await startPool(1);
    const inc = (x: number) => x + 1;
    // Warm up so the pool learns tasks are tiny and sends the next ones in one batch.
    await Promise.all(Array.from({ length: 500 }, (_, i) => run(ex!, makeTask(inc, { args: [i] }))));
    const timed = run(ex, makeTask(busyForever, { walltimeMs: 300 }));
    const behind = Array.from({ length: 20 }, (_, i) => run(ex!, makeTask(inc, { args: [i] })));
    expect(errorOf(await timed)).toBeInstanceOf(AppTimeout);
    expect((await Promise.all(behind)).map(resultOf)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const s = ex.statistics();
    expect(s.requeued).toBeGreaterThan(0);
    expect(s.threads).toBe(1);
    expect(s.threadsStarted).toBe(2);
  });

  test('an async app past its walltime fails with AppTimeout and its thread is replaced', async () => {
    ex = await startPool(1);
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 60_000));
      return 'too late';
    };
    expect(errorOf(await run(ex, makeTask(slow, { walltimeMs: 200 })))).toBeInstanceOf(AppTimeout);
    expect(ex.statistics().threadsStarted).toBe(2);
    expect(
      resultOf(
        await run(
          ex,
          makeTask(() => 'next'),
        ),
      ),
    ).toBe('next');
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
  test('tasks queued behind a long task on a busy thread are taken back by an idle thread', async () => {
    ex = await startPool(2);
    const inc = (x: number) => x + 1;
    // Teach the pool that tasks take ~0.5 ms: it then hands out batches of a few tasks and lets each thread hold
    // two batches, so whatever the timing, the blocking task's thread gets short tasks queued behind it.
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
      return ms;
    };
    await Promise.all(Array.from({ length: 200 }, () => run(ex!, makeTask(spin, { args: [0.5] }))));
    const gate = new SharedArrayBuffer(4);
    const block = (g: SharedArrayBuffer) => Atomics.wait(new Int32Array(g), 0, 0);
    const blocked = run(ex, makeTask(block, { args: [gate] }));
    const short = Array.from({ length: 40 }, (_, i) => run(ex!, makeTask(inc, { args: [i] })));
    // Without stealing, half of these would wait for the gate, which only opens after they all finish.
    expect((await Promise.all(short)).map(resultOf)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(ex.statistics().stolen).toBeGreaterThan(0);
    const g = new Int32Array(gate);
    Atomics.store(g, 0, 1);
    Atomics.notify(g, 0);
    expect(resultOf(await blocked)).toBe('ok');
    expect(ex.statistics().threadsStarted).toBe(2);
  });
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
