import * as parsl from 'parsl-ts';
import { HighThroughputExecutor, LocalProvider, SimpleLauncher } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { isBlockProviderExecutor } from '#internal';
import { freshRunDir } from '../helpers/executors.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';

describe('HighThroughputExecutor through the public API', () => {
  let marker = '';
  afterEach(() => {
    if (marker !== '') killAll(marker);
  });

  test('parsl.load → app → cleanup leaves no process', async () => {
    const { runDir } = freshRunDir('public');
    marker = runDir;
    const ex = new HighThroughputExecutor({
      label: 'htex',
      address: '127.0.0.1',
      maxWorkersPerNode: 2,
      provider: new LocalProvider({
        launcher: new SimpleLauncher({ debug: false }),
        initBlocks: 1,
        statusPollingInterval: 200,
      }),
    });
    const dfk = await parsl.load(
      new parsl.Config({ executors: [ex], runDir, strategy: 'none', strategyPeriod: 0.2 }),
    );
    expect(isBlockProviderExecutor(ex)).toBe(true);
    // load() starts the job status poller, whose first tick starts initBlocks; start one now if it has not yet.
    if (ex.statuses().size === 0) await ex.scaleOut(1);
    const double = parsl.app((x: number) => x * 2);
    const futures = Array.from({ length: 100 }, (_, i) => double(i));
    expect(await Promise.all(futures)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    const fail = parsl.app(() => {
      throw new TypeError('nope');
    });
    await expect(fail()).rejects.toThrow('nope');
    await dfk.cleanup();
    await expectNoProcessLeft(runDir);
  });
});
