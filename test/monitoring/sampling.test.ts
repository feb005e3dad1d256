// Resource sampling on a worker: per worker and per interval, not per task, whatever the task rate.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type ResultWire, TaskWatch, WorkerSampler } from '#internal';

const START = 1_000_000;

/** A sampler on the fake clock, whose samples say when they were taken. */
function sampler() {
  let reads = 0;
  const s = new WorkerSampler(
    () => {
      reads++;
      return {
        time: Date.now() - START,
        pid: 1,
        children: 0,
        cpuUser: 0,
        cpuSystem: 0,
        rss: 1,
        vms: 1,
        memoryPercent: 0,
        diskRead: 0,
        diskWrite: 0,
        ctxVoluntary: 0,
        ctxInvoluntary: 0,
        status: 'running',
        cpuNum: 0,
      };
    },
    () => Date.now(),
  );
  return {
    sampler: s,
    get reads() {
      return reads;
    },
  };
}

/**
 * Run one task of `ms` on the worker; the times of the samples its result carries. A synchronous task holds the
 * event loop (the clock moves, no timer fires); an async one leaves it free.
 */
function run(w: ReturnType<typeof sampler>, intervalSeconds: number, ms: number, async = false): number[] {
  const watch = new TaskWatch(intervalSeconds, w.sampler);
  if (async) vi.advanceTimersByTime(ms);
  else vi.setSystemTime(Date.now() + ms);
  const r = watch.finish({ id: 0, ok: true, value: null } as ResultWire);
  return (r.worker!.samples ?? []).map((s) => s.time);
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('worker resource sampling', () => {
  test("a run of short tasks is sampled once per interval, starting with the worker's first task", () => {
    const w = sampler();
    const sampled: number[] = [];
    // 1000 synchronous tasks of 1 ms with a 100 ms interval: 1 s of work, 10 samples, one per 100 tasks.
    for (let i = 0; i < 1000; i++) if (run(w, 0.1, 1).length > 0) sampled.push(i);
    expect(sampled).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(w.reads).toBe(10);
  });

  test('a task that lasts an interval or longer always gets its end sample', () => {
    const w = sampler();
    expect(run(w, 1, 0)).toHaveLength(1); // the worker's first
    expect(run(w, 1, 0)).toHaveLength(0); // right after: the worker's last sample is fresh
    // The timer fires with no task running: nothing is read, and the timer stops.
    vi.advanceTimersByTime(1000);
    expect(w.reads).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    // An async task of 1.5 s: the timer's sample at 1 s, and its end although the last sample is only 0.5 s old.
    expect(run(w, 1, 1500, true)).toEqual([2000, 2500]);
  });

  test('a long task is sampled every interval while the event loop is free, and at its end', () => {
    const w = sampler();
    expect(run(w, 0.5, 2100, true)).toEqual([500, 1000, 1500, 2000, 2100]);
  });

  test("interval 0 (Parsl's: no periodic sampling): one sample at each task's end, no timer", () => {
    const w = sampler();
    expect(run(w, 0, 0)).toEqual([0]);
    expect(run(w, 0, 0)).toEqual([0]);
    expect(run(w, 0, 5, true)).toEqual([5]);
    expect(vi.getTimerCount()).toBe(0);
    expect(w.reads).toBe(3);
  });

  test('sampling off (-1, and always for the thread pool): no timer, no samples, times only', () => {
    const w = sampler();
    const watch = new TaskWatch(-1, w.sampler);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10);
    const r = watch.finish({ id: 0, ok: true, value: null } as ResultWire).worker!;
    expect(r.samples).toBeNull();
    expect(r.ended).toBeGreaterThanOrEqual(r.started);
    expect(w.reads).toBe(0);
  });
});
