// Parsl's own tests (tests/test_python_apps, test_bash_apps, test_checkpointing, test_error_handling), translated as a
// user would write them, for the behaviours where parsl-ts differed: futures inside a Set or a Map, the `label`
// keyword in AUTO_LOGNAME paths, manual checkpointing, walltime of a synchronous body on the in-process executor.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readCheckpoint } from '#internal';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';

const { app, bashApp, AUTO_LOGNAME, AppTimeout } = parsl;

let teardown: (() => Promise<void>) | null = null;
afterEach(async () => {
  await teardown?.();
  teardown = null;
});

describe.each(LOCAL_EXECUTORS)('on %s', (_, make) => {
  test('futures inside a Set and a Map (keys and values) are waited for and resolved', async () => {
    ({ teardown } = await loadKernel({ executors: [make()] }));
    const double = app((x: number) => x * 2);
    const total = app((s: Set<number>, m: Map<number, number>) => {
      let t = 0;
      for (const x of s) t += x;
      for (const [k, v] of m) t += k * v;
      return t;
    });
    const got = await total(new Set([double(1), 10]), new Map([[double(2), double(3)]]));
    expect(got).toBe(2 + 10 + 4 * 6);
  });

  test('a failed future inside a Set fails the task with DependencyError', async () => {
    ({ teardown } = await loadKernel({ executors: [make()] }));
    const boom = app(() => {
      throw new Error('upstream');
    });
    const size = app((s: Set<unknown>) => s.size);
    const e = await size(new Set([boom()])).exception();
    expect(e).toBeInstanceOf(parsl.DependencyError);
  });
});

test('the label keyword goes into AUTO_LOGNAME paths, as task_NNNN_<app>_<label>.stdout', async () => {
  ({ teardown } = await loadKernel({ executors: [new parsl.ThreadPoolExecutor({ maxThreads: 1 })] }));
  const echo = bashApp(function echoer(_: { label?: string }) {
    return 'echo hello';
  });
  const f = echo({ stdout: AUTO_LOGNAME, stderr: AUTO_LOGNAME, label: 'L' });
  await f;
  expect(f.stdout).toMatch(/task_logs\/0000\/task_\d{4}_echoer_L\.stdout$/);
  expect(f.stderr).toMatch(/task_\d{4}_echoer_L\.stderr$/);
  const plain = echo({ stdout: AUTO_LOGNAME });
  await plain;
  expect(plain.stdout).toMatch(/task_\d{4}_echoer\.stdout$/);
});

test("checkpointMode 'manual' writes no checkpoint until dfk.checkpoint() is called", async () => {
  const k = await loadKernel({ executors: [new parsl.InProcessExecutor()], checkpointMode: 'manual' });
  teardown = k.teardown;
  const sq = app((x: number) => x * x, { cache: true });
  expect(await sq(7)).toBe(49);
  const dir = join(k.dfk.runDir, 'checkpoint');
  expect(existsSync(dir)).toBe(false);
  expect(await k.dfk.checkpoint()).toBe(dir);
  expect((await readCheckpoint(dir)).map((r) => r.value)).toEqual([49]);
});

test('on the in-process executor a synchronous body that outruns its walltime fails with AppTimeout', async () => {
  ({ teardown } = await loadKernel({ executors: [new parsl.InProcessExecutor()] }));
  const spin = app(() => {
    for (;;) {
      // never returns by itself
    }
  });
  const e = await spin({ walltime: 0.2 }).exception();
  expect(e).toBeInstanceOf(AppTimeout);
});
