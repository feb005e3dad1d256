import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { tempDir } from './paths.js';

export { parsl };

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
  const dir = tempDir('kernel');
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
