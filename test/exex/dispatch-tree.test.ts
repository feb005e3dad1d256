import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { jsTask, run } from '../helpers/executors.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { skipOrFail } from '../helpers/skip.js';
import { poolRanks, type StartedExex, startExex } from './pools.js';

function rankAfter(ms: number) {
  return new Promise((r) =>
    setTimeout(() => r(Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK)), ms),
  );
}

for (const flavor of FLAVORS) {
  describe(`dispatch tree under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    let s: StartedExex | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    test('a 33-rank pool dispatches through 4 sub-dispatchers to 28 worker ranks', async () => {
      s = await startExex('tree', flavor, {
        ranksPerNode: 33,
        dispatchTreeThreshold: 16,
        dispatchFanout: 8,
        heartbeatPeriod: 1,
        heartbeatThreshold: 30,
      });
      const managers = await eventually(
        async () => {
          const m = await s!.ex.connectedManagers();
          return m.length === 1 ? m : null;
        },
        { what: 'the pool registered', timeoutMs: 50_000 },
      );
      expect(managers[0]!.workerCount).toBe(28);
      const outs = await Promise.all(Array.from({ length: 400 }, () => run(s!.ex, jsTask(rankAfter, [5]))));
      const ranks = new Set(outs.map((o) => (o.ok ? (o.value as number) : -1)));
      expect([...ranks].sort((a, b) => a - b)).toEqual(Array.from({ length: 28 }, (_, i) => i + 5));
      expect(poolRanks(s.marker)).toHaveLength(33);
    }, 120_000);
  });
}
