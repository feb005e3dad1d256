import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';

export { parsl };

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'parsl-ts-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type ExecutorFactory = () => parsl.Executor;

/** The local executors every kernel behaviour is checked against. */
export const LOCAL_EXECUTORS: ReadonlyArray<readonly [string, ExecutorFactory]> = [
  ['in-process', () => new parsl.InProcessExecutor()],
  ['threads', () => new parsl.ThreadPoolExecutor({ maxThreads: 2 })],
];

/** Load a kernel with the given options in a temporary run directory; returns it and a teardown. */
export async function loadKernel(
  options: parsl.ConfigOptions = {},
): Promise<{ dfk: parsl.DataFlowKernel; runBase: string; teardown: () => Promise<void> }> {
  const dir = tempDir();
  const dfk = await parsl.load(new parsl.Config({ runDir: join(dir.path, 'runinfo'), ...options }));
  return {
    dfk,
    runBase: join(dir.path, 'runinfo'),
    teardown: async () => {
      try {
        await dfk.cleanup();
      } finally {
        parsl.clear();
        dir.remove();
      }
    },
  };
}

/** Poll `fn` until it returns truthy or the timeout passes (instead of fixed sleeps). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20 } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
