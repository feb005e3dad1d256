import * as parsl from 'parsl-ts';
import { ManagerLost } from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorOf, jsTask, run } from '../helpers/executors.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { skipOrFail } from '../helpers/skip.js';
import { blockProcesses, poolRanks, type StartedExex, startExex } from './pools.js';

function sleepThen(ms: number, v: number) {
  return new Promise((r) => setTimeout(() => r(v), ms));
}

for (const flavor of FLAVORS) {
  describe(`ExtremeScaleExecutor failures under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    let s: StartedExex | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    test('SIGKILL of rank 0 fails its tasks with ManagerLost and ends every rank of the pool', async () => {
      s = await startExex('kill0', flavor);
      expectLogErrors(s.runDir, /is lost: no heartbeat for \d+ ms/); // the interchange finds the pool by its silence
      const marker = s.marker;
      await eventually(() => poolRanks(marker).length === 4, { what: '4 ranks' });
      const pending = Array.from({ length: 6 }, (_, i) => run(s!.ex, jsTask(sleepThen, [60_000, i])));
      await eventually(async () => (await s!.ex.connectedManagers())[0]?.tasks === 6, {
        what: 'tasks in the pool',
      });
      const rank0 = poolRanks(marker).find((r) => r.rank === 0)!;
      process.kill(rank0.pid, 'SIGKILL');
      const outs = await Promise.all(pending);
      for (const o of outs) expect(errorOf(o)).toBeInstanceOf(ManagerLost);
      await eventually(() => blockProcesses(marker, '0').length === 0, {
        what: 'no process of block 0',
        timeoutMs: 15_000,
      });
    });

    test('SIGKILL of a worker rank ends the pool cleanly and retries finish the run on another block', async () => {
      s = await startExex('killw', flavor, { blocks: 2, kernel: { retries: 3 } });
      // The killed rank takes its MPI job down with it: rank 0 cannot say goodbye, the interchange finds it silent.
      expectLogErrors(s.runDir, /is lost: no heartbeat for \d+ ms/);
      const { ex, marker } = s;
      await eventually(() => poolRanks(marker).length === 8, { what: '8 ranks' });
      await eventually(async () => (await ex.connectedManagers()).length === 2, { what: '2 pools' });
      {
        const slow = parsl.app((ms: number, v: number) => new Promise((r) => setTimeout(() => r(v), ms)));
        const futures = Array.from({ length: 120 }, (_, i) => slow(200, i));
        await eventually(async () => (await ex.connectedManagers()).every((m) => m.tasks > 0), {
          what: 'both pools busy',
        });
        const victim = poolRanks(marker).find((r) => r.block === '0' && r.rank === 2)!;
        process.kill(victim.pid, 'SIGKILL');
        expect(await Promise.all(futures)).toEqual(Array.from({ length: 120 }, (_, i) => i));
        await eventually(() => blockProcesses(marker, '0').length === 0, {
          what: 'no process of block 0',
          timeoutMs: 15_000,
        });
        expect(poolRanks(marker).filter((r) => r.block === '1')).toHaveLength(4);
      }
    });

    test('scale out to 2 pools, scale in to 0: every rank ends', async () => {
      s = await startExex('scale', flavor, { blocks: 0 });
      const { ex, marker } = s;
      await ex.scaleOut(2);
      await eventually(async () => (await ex.connectedManagers()).length === 2, { what: '2 pools' });
      expect((await ex.connectedBlocks()).sort()).toEqual(['0', '1']);
      const outs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => run(ex, jsTask(sleepThen, [1, i]))),
      );
      expect(outs.every((o) => o.ok)).toBe(true);
      const gone = await ex.scaleIn(2);
      expect(gone.sort()).toEqual(['0', '1']);
      await eventually(() => poolRanks(marker).length === 0, { what: 'no rank left', timeoutMs: 15_000 });
      await eventually(() => blockProcesses(marker, '0').length + blockProcesses(marker, '1').length === 0, {
        what: 'no block process left',
        timeoutMs: 15_000,
      });
    });
  });
}
