import * as parsl from 'parsl-ts';
import { expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { commandOf } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { describeEachRun } from './each-run.js';
import { leftNow, targets } from './runs.js';

describeEachRun(
  (kind) => `dfk.cleanup() of a ${kind} run`,
  (kind, start) => {
    test('resolves only when every process of the run is gone, stopped ones included', async () => {
      const r = await start('cleanup', { blocks: 2 });
      // Stopped processes may be reported lost before cleanup reaches them.
      expectLogErrors(r.runDir, /is lost: no heartbeat for \d+ ms/);
      const slots = kind === 'htex' ? 2 : 3;
      await eventually(
        () => targets(r).filter((t) => t.what !== 'pool').length === 2 * (kind === 'htex' ? 2 : 4),
        {
          what: 'every worker of both blocks',
        },
      );
      await eventually(async () => (await r.ex.connectedManagers()).length === 2, {
        what: 'both pools registered',
      });
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

    test('ends a stopped process whose parent was killed (its pool, its mpiexec), though its block has ended', async () => {
      const r = await start('orphans', { blocks: 1 });
      expectLogErrors(r.runDir, /is lost: no heartbeat for \d+ ms/);
      await eventually(
        () => targets(r).filter((t) => t.what !== 'pool').length === (kind === 'htex' ? 2 : 4),
        {
          what: 'every worker of the block',
        },
      );
      // Registered, so the block counts as one that came up (a block that never did is a job failure).
      await eventually(async () => (await r.ex.connectedManagers()).length === 1, {
        what: 'the pool registered',
      });
      const worker = targets(r).find((x) => x.what !== 'pool')!;
      const parent =
        kind === 'htex'
          ? targets(r).find((x) => x.what === 'pool')!.pid
          : r.processes().find((pid) => commandOf(pid).startsWith('mpiexec'))!;
      process.kill(worker.pid, 'SIGSTOP');
      process.kill(parent, 'SIGKILL');
      // The block's script ends with its main process: the block is over, what it left is not.
      await eventually(() => r.ex.statuses().get('0')?.terminal === true, { what: 'block 0 to end' });
      await r.dfk.cleanup();
      expect(leftNow(r)).toEqual([]);
    });
  },
);
