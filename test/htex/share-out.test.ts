import { describe, expect, test } from 'vitest';
import { shareOut } from '#internal';

describe('shareOut: how a pool spreads a batch over its workers', () => {
  test('idle workers get work before anything queues behind a busy one', () => {
    // Worker 0 runs a task (maybe a long one); two tasks arrive: one each for the idle workers 1 and 2.
    expect(shareOut([1, 0, 0], 2, 2).give).toEqual([0, 1, 1]);
    expect(shareOut([1, 0, 0], 2, 2).order).toEqual([1, 2, 0]);
  });

  test('fills level by level, ties to the lower index, never past depth', () => {
    expect(shareOut([0, 0], 4, 3).give).toEqual([2, 1]);
    expect(shareOut([3, 0, 1], 4, 4).give).toEqual([0, 3, 1]);
    expect(shareOut([2, 2, 2], 4, 100).give).toEqual([2, 2, 2]);
    expect(shareOut([0, 5], 4, 10).give).toEqual([4, 0]);
  });

  test('nothing to give: no workers, nothing pending, or everyone full', () => {
    expect(shareOut([], 4, 3).give).toEqual([]);
    expect(shareOut([0, 0], 4, 0).give).toEqual([0, 0]);
    expect(shareOut([4, 6], 4, 3).give).toEqual([0, 0]);
  });

  test('the total given is min(pending, free room), for many random cases', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let c = 0; c < 2000; c++) {
      const loads = Array.from({ length: 1 + rand(9) }, () => rand(7));
      const depth = 1 + rand(6);
      const pending = rand(40);
      const { give } = shareOut(loads, depth, pending);
      const room = loads.reduce((s, l) => s + Math.max(0, depth - l), 0);
      expect(give.reduce((s, g) => s + g, 0)).toBe(Math.min(pending, room));
      give.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(0);
        if (g > 0) expect(loads[i]! + g).toBeLessThanOrEqual(depth);
      });
      // Balanced: a worker that got work ends at most one above any worker that could still take more.
      const after = loads.map((l, i) => l + give[i]!);
      for (let i = 0; i < loads.length; i++)
        for (let j = 0; j < loads.length; j++)
          if (give[i]! > 0 && after[j]! < depth) expect(after[i]!).toBeLessThanOrEqual(after[j]! + 1);
    }
  });
});
