import { AppTimeout, type ExecutorTask } from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { errorOf, FOR_EVER_MS, jsTask, run } from '../helpers/executors.js';
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

    test('a synchronous app that would spin for ever with walltime 1 s fails with AppTimeout; the ranks serve on', async () => {
      s = await startExex('walltime', flavor);
      // Three at once, spread over the pool's worker ranks; no end of their own (a year), so any answer proves
      // the walltime stopped them.
      const timed = await Promise.all(
        Array.from({ length: 3 }, () => run(s!.ex, withWalltime(jsTask(spinFor, [FOR_EVER_MS]), 1000))),
      );
      for (const o of timed) {
        const e = errorOf(o);
        expect(e).toBeInstanceOf(AppTimeout);
        expect(e.message).toBe('app spinFor exceeded its walltime of 1 s');
      }
      const after = await Promise.all(
        Array.from({ length: 30 }, (_, i) => run(s!.ex, jsTask(spinFor, [i % 2]))),
      );
      expect(after.map((o) => o.ok && o.value)).toEqual(Array.from({ length: 30 }, () => 'done'));
    });
  });
}
