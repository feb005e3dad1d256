import { expect, test } from 'vitest';
import { expectLogErrors } from '../helpers/run-logs.js';
import { chaosSeed, runChaos } from './chaos.js';
import { describeEachRun } from './each-run.js';
import { leftNow } from './runs.js';

const RETRIES = 3;

describeEachRun(
  (kind) => `chaos on a ${kind} run with two blocks`,
  (kind, start) => {
    test('every task comes back right, each side effect happens 1..retries+1 times, memory stays bounded, nothing is left', async () => {
      const seed = chaosSeed();
      console.log(`chaos ${kind}: seed ${seed} (replay with PARSL_CHAOS_SEED=${seed})`);
      const r = await start('chaos', { blocks: 2, retries: RETRIES });
      // What a killed or stopped pool, rank or MPI job logs on its way out is expected here.
      expectLogErrors(r.runDir, /is lost: no heartbeat for \d+ ms/);
      const report = await runChaos(r, {
        seed,
        kills: 6,
        killEveryMs: 1500,
        taskMs: 50,
        window: 64,
        retries: RETRIES,
      });
      console.log(JSON.stringify({ ...report, failures: report.failures.slice(0, 3) }));
      expect(report.kills.SIGKILL + report.kills.SIGSTOP).toBe(6);
      expect(report.failures).toEqual([]);
      expect(report.sideEffects.outOfBounds).toEqual([]);
      // Bounded: a few hundred small tasks and their records, nothing that grows with kills or retries.
      expect(report.rssMb.peak - report.rssMb.start).toBeLessThan(200);
      await r.dfk.cleanup();
      expect(leftNow(r)).toEqual([]);
    });
  },
);
