import * as parsl from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { processesWith } from '../helpers/processes.js';
import { skipOrFail } from '../helpers/skip.js';
import { poolRanks, type StartedExex, startExex } from './pools.js';

/** What the kernel recorded of a task's failed tries ("WorkerLost: …"). */
function failHistory(f: parsl.AppFuture<unknown>): readonly string[] {
  return (f.task as unknown as { failHistory: readonly string[] }).failHistory;
}

const napThenRank = parsl.app(
  (ms: number) =>
    new Promise<string>((r) =>
      setTimeout(() => r(`${process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK}`), ms),
    ),
);

const spinThenRank = parsl.app((ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return `${process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK}`;
});

for (const flavor of FLAVORS) {
  describe(`ExtremeScaleExecutor hung ranks under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    let s: StartedExex | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    /**
     * With 6 tasks of 2.5 s spread 2 per worker rank, SIGSTOP `victim`: its 2 tasks must fail with WorkerLost and be
     * retried on `survivors`, later tasks must avoid it, and shutdown must leave no process (the stopped one included).
     */
    async function stopOneRank(started: StartedExex, ranks: number, victim: number, survivors: string[]) {
      const { ex, marker } = started;
      await eventually(() => poolRanks(marker).length === ranks, { what: `${ranks} ranks` });
      await eventually(async () => (await ex.connectedManagers()).length === 1, { what: 'the pool' });
      const first = Array.from({ length: 6 }, () => napThenRank(2500));
      await eventually(async () => (await ex.connectedManagers())[0]?.tasks === 6, { what: '6 tasks held' });
      process.kill(poolRanks(marker).find((r) => r.rank === victim)!.pid, 'SIGSTOP');

      expect((await Promise.all(first)).every((r) => survivors.includes(r))).toBe(true);
      const lost = first.filter((f) => failHistory(f).some((h) => h.startsWith('WorkerLost')));
      expect(lost).toHaveLength(2);
      expect(failHistory(lost[0]!)[0]).toMatch(new RegExp(`MPI rank ${victim} .*did not answer for \\d+ ms`));
      const later = await Promise.all(Array.from({ length: 30 }, () => napThenRank(5)));
      expect(later.every((r) => survivors.includes(r))).toBe(true);
      expect(poolRanks(marker)).toHaveLength(ranks); // the stopped rank is still there until the pool ends

      await started.cleanup(); // shutdown, then no process of the run may be left
      s = undefined;
      expect(processesWith(marker)).toEqual([]);
    }

    test('a stopped worker rank: its tasks fail over, the pool serves on, and ends with no process left', async () => {
      // 3 worker ranks hold 2 tasks each (the initial pipeline depth), so rank 2 holds 2 when it stops.
      s = await startExex('hung', flavor, { hungRankThreshold: 2, kernel: { retries: 2 } });
      await stopOneRank(s, 4, 2, ['1', '3']);
    });

    test('a sub-dispatcher detects its stopped worker rank and rank 0 serves on through the rest', async () => {
      // 6 ranks, tree past 4: relays 1 and 2; relay 1 feeds workers 3 and 5, relay 2 feeds worker 4.
      s = await startExex('hungtree', flavor, {
        ranksPerNode: 6,
        dispatchTreeThreshold: 4,
        dispatchFanout: 2,
        hungRankThreshold: 2,
        kernel: { retries: 2 },
      });
      await stopOneRank(s, 6, 4, ['3', '5']);
    }, 60_000);

    test('a rank busy in a synchronous task for 5 × the threshold is not declared hung', async () => {
      s = await startExex('busy', flavor, { hungRankThreshold: 1, kernel: { retries: 0 } });
      await eventually(() => poolRanks(s!.marker).length === 4, { what: '4 ranks' });
      const busy = spinThenRank(5000);
      const others = Array.from({ length: 20 }, () => napThenRank(200));
      const rank = await busy;
      expect(['1', '2', '3']).toContain(rank);
      expect(failHistory(busy)).toEqual([]);
      await Promise.all(others);
      const after = await Promise.all(Array.from({ length: 60 }, () => napThenRank(20)));
      expect(new Set(after)).toContain(rank); // the busy rank is still served
    });
  });
}
