import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppTimeout, type ExecutorTask } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorOf, FOR_EVER_MS, jsTask, run } from '../helpers/executors.js';
import { type Started, startHtex } from '../helpers/htex.js';

function withWalltime(t: ExecutorTask, walltimeMs: number): ExecutorTask {
  return { ...t, walltimeMs };
}

function pid() {
  return process.pid;
}

function spinFor(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return 'done';
}

/** Blocked inside a native call, where V8 cannot interrupt it: only killing its worker helps. */
function blockedInNative() {
  require('node:child_process').execSync('sleep 5');
  return 'too late';
}

function managerLog(runDir: string): string {
  const logs = readdirSync(runDir, { recursive: true, encoding: 'utf8' }).filter((p) =>
    p.endsWith('manager.log'),
  );
  return logs.map((p) => readFileSync(join(runDir, p), 'utf8')).join('');
}

describe('walltime on the HighThroughputExecutor', () => {
  let s: Started;
  beforeAll(async () => {
    // One worker, so "the same worker" and "the tasks queued behind it" are certain.
    s = await startHtex('walltime', { maxWorkersPerNode: 1 });
  });
  afterAll(() => s.cleanup());

  const value = async (t: ExecutorTask) => {
    const o = await run(s.ex, t);
    if (!o.ok) throw o.error;
    return o.value;
  };

  test('a synchronous app that would spin for ever with walltime 1 s fails with AppTimeout; its worker serves on', async () => {
    const before = await value(jsTask(pid));
    // No end of its own (a year): any answer proves the walltime stopped it.
    const e = errorOf(await run(s.ex, withWalltime(jsTask(spinFor, [FOR_EVER_MS]), 1000)));
    expect(e).toBeInstanceOf(AppTimeout);
    expect(e.message).toBe('app spinFor exceeded its walltime of 1 s');
    // The worker interrupted the app itself: it was not killed.
    expect(await value(jsTask(pid))).toBe(before);
    expect(await value(withWalltime(jsTask(spinFor, [1]), 10_000))).toBe('done');
  });

  test('a task blocked in a native call past its walltime: its worker is killed and replaced, the tasks queued behind it succeed', async () => {
    const before = await value(jsTask(pid));
    const inc = (x: number) => x + 1;
    // Warm up so the pool learns that tasks are tiny and queues many on its one worker.
    await Promise.all(Array.from({ length: 300 }, (_, i) => value(jsTask(inc, [i]))));
    const blocked = run(s.ex, withWalltime(jsTask(blockedInNative), 500));
    const behind = Array.from({ length: 20 }, (_, i) => run(s.ex, jsTask(inc, [i])));
    const e = errorOf(await blocked);
    expect(e).toBeInstanceOf(AppTimeout);
    expect(e.message).toBe('app blockedInNative exceeded its walltime of 0.5 s');
    expect((await Promise.all(behind)).map((o) => o.ok && o.value)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const after = await value(jsTask(pid));
    expect(after).not.toBe(before);
    const log = await eventually(
      () => managerLog(s.runDir).match(/past its walltime.*killing it; (\d+) queued/)?.[1],
      {
        what: 'the kill in manager.log',
      },
    );
    // The tasks behind had reached the worker and were sent again, not failed.
    expect(Number(log)).toBeGreaterThan(0);
  });
});
