import { describe, expect, test } from 'vitest';
import { PIPELINE_WINDOW, PipelineDepth, SWITCH_MS } from '#internal';

/** Feed `n` batches of `count` tasks that kept the worker busy `busyMs` each. */
function feed(p: PipelineDepth, n: number, busyMs: number, count: number): number {
  let d = p.depth;
  for (let i = 0; i < n; i++) d = p.record(busyMs, count);
  return d;
}

describe('PipelineDepth: how many tasks a worker may hold', () => {
  test('before any result: one running and one queued; a budget of 0: one task per worker', () => {
    expect(new PipelineDepth(2, 255).depth).toBe(2);
    expect(new PipelineDepth(2, 255).taskMs).toBeNull();
    const parsl = new PipelineDepth(0, 255);
    expect(feed(parsl, 5, 0.1, 20)).toBe(1);
  });

  test('short tasks stream up to the cap, tasks as long as the budget stay one running plus one queued', () => {
    // 20 no-ops in 0.2 ms: 0.01 ms each, 200 fit in the 2 ms budget.
    expect(feed(new PipelineDepth(2, 255), 3, 0.2, 20)).toBe(201);
    expect(feed(new PipelineDepth(2, 100), 3, 0.2, 20)).toBe(101);
    expect(feed(new PipelineDepth(2, 255), 3, 5, 1)).toBe(2);
  });

  test('one batch stretched by a GC pause or a lost time slice does not collapse the pipelines', () => {
    const p = new PipelineDepth(2, 255);
    feed(p, PIPELINE_WINDOW, 0.2, 20);
    // 20 no-ops that took 5 ms because the worker lost its core for a slice: 0.25 ms per task on its face.
    expect(p.record(5.2, 20)).toBe(201);
    // Even a few in a row, as long as most recent batches were ordinary.
    expect(p.record(4, 20)).toBe(201);
    expect(p.record(3, 20)).toBe(201);
    expect(p.taskMs).toBeCloseTo(0.01);
    // The smoothing this replaced (attack to any larger per-task time) fell to depth 8 on the first of them.
  });

  test('tasks that really got longer shrink the pipelines at once', () => {
    const p = new PipelineDepth(2, 255);
    feed(p, PIPELINE_WINDOW, 0.2, 20);
    // The next batch: 20 tasks of 1 ms each; one batch busy SWITCH_MS or longer is believed immediately.
    expect(20 * 1).toBeGreaterThanOrEqual(SWITCH_MS);
    expect(p.record(20, 20)).toBe(3);
    expect(p.taskMs).toBe(1);
  });

  test('a change from long tasks back to short ones takes half the window', () => {
    const p = new PipelineDepth(2, 255);
    feed(p, 1, 1000, 1);
    expect(p.depth).toBe(2);
    const half = (PIPELINE_WINDOW + 1) / 2;
    expect(feed(p, half - 1, 0.02, 2)).toBe(2);
    expect(p.record(0.02, 2)).toBe(201);
  });

  test('batches with no results change nothing', () => {
    const p = new PipelineDepth(2, 255);
    expect(p.record(3, 0)).toBe(2);
    expect(p.taskMs).toBeNull();
  });
});
