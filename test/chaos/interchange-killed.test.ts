import * as parsl from 'parsl-ts';
import { BadStateException } from 'parsl-ts';
import { expect, test } from 'vitest';
import { FAST } from '../exex/pools.js';
import { eventually } from '../helpers/eventually.js';
import { commandOf } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { describeEachRun } from './each-run.js';
import { leftNow, targets } from './runs.js';

/** A task that holds its worker for `ms`, then returns `v`. */
const wait = parsl.app(
  (ms: number, v: number) => new Promise<number>((resolve) => setTimeout(() => resolve(v), ms)),
);

describeEachRun(
  (kind) => `the interchange of a ${kind} run killed`,
  (kind, start) => {
    test('every outstanding task fails with a clear error at once, retries included; cleanup ends every pool', async () => {
      const r = await start('ix-killed', { blocks: 2, retries: 3 });
      expectLogErrors(
        r.runDir,
        /is in a bad state: .*the interchange process exited unexpectedly/,
        /no contact with the interchange/,
      );
      const futures = Array.from({ length: 40 }, (_, i) => wait(600_000, i));
      await eventually(async () => (await r.ex.connectedManagers()).filter((m) => m.tasks > 0).length === 2, {
        what: 'tasks in both pools',
      });
      const interchange = r.processes().find((pid) => commandOf(pid).split(' ').includes('interchange'));
      expect(interchange).toBeDefined();
      const killedAt = Date.now();
      process.kill(interchange!, 'SIGKILL');
      const errors = await Promise.all(futures.map((f) => f.exception()));
      // The executor hears of the exit at once (no heartbeat to miss): a generous bound, the documented contract.
      expect(Date.now() - killedAt).toBeLessThan(FAST.heartbeatThreshold * 1000);
      for (const e of errors) {
        expect(e).toBeInstanceOf(BadStateException);
        expect(e!.message).toMatch(/the interchange process exited unexpectedly \(killed by SIGKILL\)/);
      }
      // Later submissions fail the same way rather than wait.
      await expect(wait(1, 1)).rejects.toThrow(/exited unexpectedly/);
      // Pools find the interchange silent and leave; cleanup does not wait for them to notice.
      expect(targets(r).length).toBeGreaterThan(0);
      await r.dfk.cleanup();
      expect(leftNow(r)).toEqual([]);
    });

    // The executor side is the same for every kind; one is enough.
    if (kind === 'htex')
      test('a stopped interchange is found by its silence: tasks fail within the heartbeat threshold, nothing hangs', async () => {
        const r = await start('ix-stopped', { blocks: 1, retries: 3 });
        expectLogErrors(
          r.runDir,
          /is in a bad state: .*the interchange did not answer/,
          /no contact with the interchange/,
        );
        const futures = Array.from({ length: 8 }, (_, i) => wait(600_000, i));
        await eventually(async () => ((await r.ex.connectedManagers())[0]?.tasks ?? 0) > 0, {
          what: 'tasks in the pool',
        });
        const interchange = r.processes().find((pid) => commandOf(pid).split(' ').includes('interchange'))!;
        process.kill(interchange, 'SIGSTOP');
        for (const e of await Promise.all(futures.map((f) => f.exception()))) {
          expect(e).toBeInstanceOf(BadStateException);
          expect(e!.message).toMatch(/the interchange did not answer for \d+ ms \(stopped, frozen or hung/);
        }
        await r.dfk.cleanup();
        expect(leftNow(r)).toEqual([]);
      });
  },
);
