import { AppTimeout, type ExecutorTask } from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { errorOf, jsTask, run } from '../helpers/executors.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { skipOrFail } from '../helpers/skip.js';
import { type StartedExex, startExex } from './pools.js';

function spinFor(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return 'done';
}

function withWalltime(t: ExecutorTask, walltimeMs: number): ExecutorTask {
  return { ...t, walltimeMs };
}

for (const flavor of FLAVORS) {
  describe(`walltime on the ExtremeScaleExecutor under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    let s: StartedExex | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    test('a synchronous app that spins for 6 s with walltime 1 s fails with AppTimeout; the ranks serve on', async () => {
      s = await startExex('walltime', flavor);
      const t0 = Date.now();
      // Three at once, spread over the pool's worker ranks.
      const timed = await Promise.all(
        Array.from({ length: 3 }, () => run(s!.ex, withWalltime(jsTask(spinFor, [6000]), 1000))),
      );
      for (const o of timed) {
        const e = errorOf(o);
        expect(e).toBeInstanceOf(AppTimeout);
        expect(e.message).toBe('app spinFor exceeded its walltime of 1 s');
      }
      expect(Date.now() - t0).toBeLessThan(6000);
      const after = await Promise.all(
        Array.from({ length: 30 }, (_, i) => run(s!.ex, jsTask(spinFor, [i % 2]))),
      );
      expect(after.map((o) => o.ok && o.value)).toEqual(Array.from({ length: 30 }, () => 'done'));
    });
  });
}
