import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, HighThroughputExecutor } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { cudaDevice } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { reportFromEveryWorker, type Started, startHtex } from '../helpers/htex.js';

/**
 * A directory put first on the block's PATH holding an `nvidia-smi` that lists `gpus` GPUs (0: fails, like a node
 * without a driver), so the pool's GPU count is the test's choice on any machine, with or without real GPUs.
 */
function fakeNvidiaSmi(gpus: number): { workerInit: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-nvsmi-'));
  const lines = Array.from({ length: gpus }, (_, i) => `echo "GPU ${i}: Fake GPU (UUID: GPU-${i})"`);
  writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\n${gpus === 0 ? 'exit 9' : lines.join('\n')}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return { workerInit: `export PATH=${dir}:$PATH` };
}

/** Many CPU slots, so that only the accelerators can be what limits the worker count. */
const ROOMY = { maxWorkersPerNode: 8, coresPerWorker: 0.1 } as const;

describe('availableAccelerators end to end (tasks report process.env)', () => {
  let s: Started | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  test('one worker per accelerator, each seeing only its own; PARSL_WORKER_* describe the pool', async () => {
    s = await startHtex('acc-ids', {
      ...ROOMY,
      availableAccelerators: ['3', '5', 'gpu-b'],
      providerOptions: fakeNvidiaSmi(0),
    });
    const [manager] = await eventually(() => s!.ex.connectedManagers().then((m) => m.length === 1 && m), {
      what: 'the pool to register',
    });
    expect(manager!.workerCount).toBe(3);
    const reports = await reportFromEveryWorker(s.ex, 3);
    expect(reports).toEqual(
      ['3', '5', 'gpu-b'].map((acc, rank) => ({
        rank: String(rank),
        poolId: manager!.manager,
        blockId: '0',
        count: '3',
        cpus: expect.any(String),
        env: {
          CUDA_VISIBLE_DEVICES: acc,
          ROCR_VISIBLE_DEVICES: acc,
          ZE_AFFINITY_MASK: acc,
          ZE_ENABLE_PCI_ID_DEVICE_ORDER: '1',
        },
      })),
    );
  });

  test('a count n means ids 0..n-1 and caps workersPerNode for the strategy', async () => {
    s = await startHtex('acc-count', {
      ...ROOMY,
      availableAccelerators: 2,
      providerOptions: fakeNvidiaSmi(0),
    });
    expect(s.ex.options.availableAccelerators).toEqual(['0', '1']);
    expect(s.ex.workersPerNode).toBe(2);
    const reports = await reportFromEveryWorker(s.ex, 2);
    expect(reports.map((r) => [r.count, r.env.CUDA_VISIBLE_DEVICES, r.env.ZE_AFFINITY_MASK])).toEqual([
      ['2', '0', '0'],
      ['2', '1', '1'],
    ]);
  });

  test('with fewer CUDA GPUs than workers, workers share GPUs as under MPS (Parsl folds the ids)', async () => {
    s = await startHtex('acc-mps', {
      ...ROOMY,
      availableAccelerators: ['0', '1', '2', '3'],
      providerOptions: fakeNvidiaSmi(2),
    });
    const reports = await reportFromEveryWorker(s.ex, 4);
    expect(reports.map((r) => [r.env.CUDA_VISIBLE_DEVICES, r.env.ROCR_VISIBLE_DEVICES])).toEqual([
      ['0', '0'],
      ['0', '1'],
      ['1', '2'],
      ['1', '3'],
    ]);
  });

  test('without accelerators no worker gets accelerator variables', async () => {
    s = await startHtex('acc-none', { maxWorkersPerNode: 2 });
    for (const r of await reportFromEveryWorker(s.ex, 2)) {
      expect(r.env).toEqual({});
      expect(r.count).toBe('2');
    }
  });
});

describe('availableAccelerators rules', () => {
  test('MPS folding: id / floor(workers / GPUs), unchanged without GPUs, with spare GPUs, or for names', () => {
    expect(['0', '1', '2', '3', '4', '5'].map((a) => cudaDevice(a, 6, 2))).toEqual([
      '0',
      '0',
      '0',
      '1',
      '1',
      '1',
    ]);
    expect(cudaDevice('3', 4, null)).toBe('3');
    expect(cudaDevice('1', 2, 4)).toBe('1');
    expect(cudaDevice('gpu-a', 4, 1)).toBe('gpu-a');
  });

  test.each([[-1], [1.5], [['0', '']], [['0 1']], [['0,1']], ['0'], [[0, 1]]])(
    '%j is a ConfigurationError naming the field',
    (value) => {
      const make = () => new HighThroughputExecutor({ availableAccelerators: value as string[] });
      expect(make).toThrow(ConfigurationError);
      expect(make).toThrow(/HighThroughputExecutor\.availableAccelerators/);
    },
  );
});
