import { JobState, JobStatusPoller } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { jsTask, run } from '../helpers/executors.js';
import { FAST_HEARTBEATS, type Started, startHtex } from '../helpers/htex.js';
import { processesWith } from '../helpers/processes.js';

describe('elasticity with real pools', () => {
  let s: Started | undefined;
  let poller: JobStatusPoller | undefined;
  afterEach(async () => {
    await poller?.close();
    await s?.cleanup();
    s = poller = undefined;
  });

  test('htex_auto_scale scales out under load and back to minBlocks when idle', async () => {
    s = await startHtex('elastic', {
      blocks: 0,
      maxWorkersPerNode: 1,
      ...FAST_HEARTBEATS,
      providerOptions: {
        initBlocks: 0,
        minBlocks: 0,
        maxBlocks: 3,
        parallelism: 1,
        statusPollingInterval: 100,
      },
    });
    poller = new JobStatusPoller({
      executors: [s.ex],
      strategy: 'htex_auto_scale',
      strategyPeriodMs: 200,
      maxIdletimeMs: 800,
    });
    poller.start();
    const sleepy = () => new Promise((r) => setTimeout(() => r(process.env.PARSL_WORKER_BLOCK_ID), 1500));
    const outs = await Promise.all(Array.from({ length: 6 }, () => run(s!.ex, jsTask(sleepy))));
    expect(outs.every((o) => o.ok)).toBe(true);
    expect((await s.ex.connectedBlocks()).length).toBe(3); // ceil(6 tasks × 1 / 1 slot) capped at maxBlocks
    expect(new Set(outs.map((o) => o.ok && o.value)).size).toBeGreaterThan(1);
    await eventually(() => [...s!.ex.statuses().values()].every((st) => st.state === JobState.SCALED_IN), {
      what: 'every block scaled in after the idle time',
    });
    await eventually(
      () => processesWith(`worker-pool`).filter((p) => processesWith(s!.marker).includes(p)).length === 0,
      {
        what: 'the pools to be gone',
      },
    );
  });
});
