import * as parsl from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { skipOrFail } from '../helpers/skip.js';
import { endRun, leftNow, RUN_KINDS, type Run, runMissing, startRun, targets } from './runs.js';

for (const kind of RUN_KINDS) {
  describe(`dfk.cleanup() of a ${kind} run`, () => {
    beforeEach((ctx) => skipOrFail(ctx, runMissing(kind)));
    let run: Run | undefined;
    afterEach(async () => {
      const left = await endRun(run);
      run = undefined;
      expect(left).toEqual([]);
    });

    test('resolves only when every process of the run is gone, stopped ones included', async () => {
      run = await startRun('cleanup', kind, { blocks: 2 });
      // Stopped processes may be reported lost before cleanup reaches them.
      expectLogErrors(run.runDir, /is lost: no heartbeat for \d+ ms/);
      const r = run;
      const slots = kind === 'htex' ? 2 : 3;
      await eventually(
        () => targets(r).filter((t) => t.what !== 'pool').length === 2 * (kind === 'htex' ? 2 : 4),
        {
          what: 'every worker of both blocks',
        },
      );
      const double = parsl.app((x: number) => x * 2);
      const n = 4 * slots;
      expect(await Promise.all(Array.from({ length: n }, (_, i) => double(i)))).toEqual(
        Array.from({ length: n }, (_, i) => 2 * i),
      );
      // One worker (rank) of block 0 and the pool (rank 0) of block 1 stopped: they act on no signal but SIGKILL
      // and SIGCONT, and an MPI job waits for its stopped ranks.
      const t = targets(r);
      const worker = t.find((x) => x.block === '0' && x.what !== 'pool')!;
      const pool =
        kind === 'htex'
          ? t.find((x) => x.block === '1' && x.what === 'pool')!
          : t.find((x) => x.block === '1')!;
      process.kill(worker.pid, 'SIGSTOP');
      process.kill(pool.pid, 'SIGSTOP');
      await r.dfk.cleanup();
      expect(leftNow(r)).toEqual([]);
    });
  });
}
