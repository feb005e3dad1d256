import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { jsTask, run } from '../helpers/executors.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { skipOrFail } from '../helpers/skip.js';
import { type StartedExex, startExex } from './pools.js';

function square(x: number) {
  return x * x;
}

function whoAmI() {
  return `${process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK}`;
}

for (const flavor of FLAVORS) {
  describe(`ExtremeScaleExecutor under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    let s: StartedExex | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    test('runs 20,000 tasks through a 4-rank pool and every worker rank takes part', async () => {
      s = await startExex('basic', flavor);
      const n = 20_000;
      const outs = await Promise.all(Array.from({ length: n }, (_, i) => run(s!.ex, jsTask(square, [i]))));
      expect(outs.every((o, i) => o.ok && o.value === i * i)).toBe(true);
      const ranks = await Promise.all(Array.from({ length: 60 }, () => run(s!.ex, jsTask(whoAmI))));
      const seen = new Set(ranks.map((o) => (o.ok ? o.value : 'failed')));
      expect(seen.has('0')).toBe(false);
      expect([...seen].every((r) => ['1', '2', '3'].includes(String(r)))).toBe(true);
      const managers = await s.ex.connectedManagers();
      expect(managers).toHaveLength(1);
      expect(managers[0]!.blockId).toBe('0');
      expect(managers[0]!.workerCount).toBe(3);
    });
  });
}
