import { ConfigurationError, HighThroughputExecutor } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { type CpuAffinity, parseCpuAffinity, planAffinity } from '#internal';
import {
  blockFailure,
  reportFromEveryWorker,
  type Started,
  startHtex,
  type WorkerReport,
} from '../helpers/htex.js';
import { expectLogErrors } from '../helpers/run-logs.js';

/**
 * The block's shell pins itself (and so the pool) to CPUs 0 and 1 before the pool starts: the pool splits exactly
 * these two CPUs between its two workers on any machine with at least two, so the expectations below are exact.
 */
const TWO_CPUS = { workerInit: 'taskset -p -c 0,1 $$ > /dev/null' };

function startPinned(name: string, cpuAffinity: string): Promise<Started> {
  return startHtex(name, {
    cpuAffinity,
    maxWorkersPerNode: 2,
    coresPerWorker: 1,
    providerOptions: TWO_CPUS,
  });
}

/** What a worker pinned to `cpus` (a kernel cpu list and its comma form) must see. */
function pinned(rank: number, cpus: string, commaList: string): Partial<WorkerReport> {
  const n = commaList.split(',').length;
  return {
    rank: String(rank),
    cpus,
    env: {
      OMP_NUM_THREADS: String(n),
      GOMP_CPU_AFFINITY: commaList,
      KMP_AFFINITY: `explicit,proclist=[${commaList}]`,
    },
  };
}

describe('cpuAffinity end to end (two workers on CPUs 0-1, tasks read /proc/self/status)', () => {
  let s: Started | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  test('none: no pinning, no OpenMP variables', async () => {
    s = await startPinned('aff-none', 'none');
    const r = await reportFromEveryWorker(s.ex, 2);
    expect(r).toMatchObject([
      { rank: '0', cpus: '0-1', env: {} },
      { rank: '1', cpus: '0-1', env: {} },
    ]);
    expect(r.every((w) => w.env.OMP_NUM_THREADS === undefined && w.env.KMP_AFFINITY === undefined)).toBe(
      true,
    );
  });

  test.each([
    ['block', [pinned(0, '0', '0'), pinned(1, '1', '1')]],
    ['block-reverse', [pinned(0, '1', '1'), pinned(1, '0', '0')]],
    ['alternating', [pinned(0, '0', '0'), pinned(1, '1', '1')]],
    ['list:1:0', [pinned(0, '1', '1'), pinned(1, '0', '0')]],
    ['LIST:0-1:1', [pinned(0, '0-1', '0,1'), pinned(1, '1', '1')]],
  ])('%s', async (policy, expected) => {
    s = await startPinned(`aff-${policy.replace(/[:,]/g, '_')}`, policy);
    expect(await reportFromEveryWorker(s.ex, 2)).toMatchObject(expected);
  });

  test('a list that does not fit the pool fails the block with a message naming cpuAffinity', async () => {
    s = await startPinned('aff-toofew', 'list:0');
    expectLogErrors(
      s.runDir,
      /cannot start: HighThroughputExecutor\.cpuAffinity cannot be applied on this node/,
    );
    const err = await blockFailure(s.ex);
    expect(err.message).toMatch(
      /cpuAffinity cannot be applied on this node: the list has 1 group\(s\) but this pool starts 2/,
    );
    await s.cleanup();
    s = await startPinned('aff-foreign-cpu', 'list:0:5');
    expectLogErrors(
      s.runDir,
      /cannot start: HighThroughputExecutor\.cpuAffinity cannot be applied on this node/,
    );
    expect((await blockFailure(s.ex)).message).toMatch(
      /CPU\(s\) 5 are not available to this pool \(allowed: 0,1\)/,
    );
  });
});

describe('cpuAffinity configuration', () => {
  test.each([['bogus'], ['list:'], ['list:a'], ['list:3-1'], ['list:0,,1'], ['block '], [7]])(
    '%j is a ConfigurationError naming the field',
    (value) => {
      expect(() => new HighThroughputExecutor({ cpuAffinity: value as string })).toThrow(ConfigurationError);
      expect(() => new HighThroughputExecutor({ cpuAffinity: value as string })).toThrow(
        /HighThroughputExecutor\.cpuAffinity/,
      );
    },
  );

  test('valid values are accepted and normalised as Parsl does (lower case)', () => {
    for (const v of ['none', 'block', 'block-reverse', 'alternating', 'list:0,1:2-3', 'Block'])
      expect(new HighThroughputExecutor({ cpuAffinity: v }).options.cpuAffinity).toBe(v.toLowerCase());
  });
});

describe('affinity plans (Parsl process_worker_pool rules)', () => {
  const eight = [0, 1, 2, 3, 4, 5, 6, 7];
  const plan = (policy: string, workers: number, avail: number[]) =>
    planAffinity(parseCpuAffinity(policy) as CpuAffinity, workers, avail);

  test('the allowed CPUs are split evenly, whatever their numbers', () => {
    expect(plan('block', 2, eight)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(plan('block-reverse', 2, eight)).toEqual([
      [4, 5, 6, 7],
      [0, 1, 2, 3],
    ]);
    expect(plan('alternating', 2, eight)).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    expect(plan('block', 3, eight)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(plan('block-reverse', 3, eight)).toEqual([
      [4, 5],
      [2, 3],
      [0, 1],
    ]);
    expect(plan('alternating', 3, eight)).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5],
    ]);
    // A cgroup that allows only some CPUs: positions in the allowed list, not CPU numbers.
    expect(plan('block', 2, [2, 3, 5, 7, 11])).toEqual([
      [2, 3],
      [5, 7],
    ]);
    expect(plan('alternating', 2, [2, 3, 5, 7, 11])).toEqual([
      [2, 5, 11],
      [3, 7],
    ]);
    expect(plan('list:0-2,5:7', 2, eight)).toEqual([[0, 1, 2, 5], [7]]);
    expect(plan('none', 3, eight)).toEqual([null, null, null]);
  });

  test('more workers than CPUs cannot be pinned', () => {
    expect(() => plan('block', 3, [0, 1])).toThrow(/3 workers but only 2 CPU\(s\)/);
    expect(() => plan('alternating', 3, [0, 1])).toThrow(ConfigurationError);
  });
});
