import * as parsl from 'parsl-ts';
import { expect, test } from 'vitest';
import type { TaskRecord } from '#internal';
import { poolRanks } from '../exex/pools.js';
import { eventually } from '../helpers/eventually.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { describeEachRun } from './each-run.js';

const nap = parsl.app((i: number) => new Promise<number>((r) => setTimeout(() => r(i), 2500)));

/** What the kernel recorded of a task's failed tries ("ManagerLost: …"). */
const failHistory = (f: parsl.AppFuture<unknown>): readonly string[] => (f.task as TaskRecord).failHistory;

describeEachRun(
  (kind) => `${kind}: rank 0 of one of two blocks stopped`,
  (_kind, start) => {
    test('only the tasks its pool held fail over (ManagerLost), and every task completes', async () => {
      const r = await start('stop-rank0', { blocks: 2, retries: 1 });
      expectLogErrors(r.runDir, /is lost: no heartbeat for \d+ ms/);
      await eventually(async () => (await r.ex.connectedManagers()).length === 2, { what: 'both pools' });
      // 3 worker ranks × a pipeline of 2 per block: 12 tasks fill both pools.
      const tasks = Array.from({ length: 12 }, (_, i) => nap(i));
      await eventually(async () => (await r.ex.connectedManagers()).every((m) => m.tasks === 6), {
        what: '6 tasks held by each pool',
      });
      const rank0 = poolRanks(r.runDir).find((p) => p.block === '0' && p.rank === 0)!;
      process.kill(rank0.pid, 'SIGSTOP');
      expect(await Promise.all(tasks)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const failedOver = tasks.filter((f) => failHistory(f).length > 0);
      expect(failedOver).toHaveLength(6);
      for (const f of failedOver) expect(failHistory(f)).toEqual([expect.stringMatching(/^ManagerLost/)]);
    });
  },
  ['exex-openmpi', 'exex-mpich'],
);
