import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobState, JobStatusPoller } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { jsTask, run } from '../helpers/executors.js';
import { FAST_HEARTBEATS, type Started, startHtex } from '../helpers/htex.js';
import { tempDir } from '../helpers/paths.js';
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
    // The tasks run until the test releases them, so the load lasts until every block the strategy asked for
    // (ceil(6 tasks × 1 / 1 slot), capped at maxBlocks) has registered, however slowly pools start.
    const release = join(tempDir('elastic').path, 'release');
    const untilReleased = (path: string) =>
      new Promise((resolve) => {
        const fs = require('node:fs');
        const check = () =>
          fs.existsSync(path) ? resolve(process.env.PARSL_WORKER_BLOCK_ID) : setTimeout(check, 20);
        check();
      });
    const all = Promise.all(Array.from({ length: 6 }, () => run(s!.ex, jsTask(untilReleased, [release]))));
    await eventually(async () => (await s!.ex.connectedBlocks()).length === 3, {
      what: 'three blocks registered',
    });
    writeFileSync(release, '');
    const outs = await all;
    expect(outs.every((o) => o.ok)).toBe(true);
    expect((await s.ex.connectedBlocks()).length).toBe(3);
    // Each one-worker pool holds at most two tasks (one running, one queued): the six are spread over all three.
    expect(new Set(outs.map((o) => o.ok && o.value)).size).toBe(3);
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
