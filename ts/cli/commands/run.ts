import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { OptionalModuleMissing } from '../../errors.js';
import { enterAllocation } from '../../executors/in-allocation/index.js';
import { clear, dfk } from '../../load.js';

/**
 * `parsl-ts run <script>`: run a workflow script (JavaScript, or TypeScript through tsx). A kernel the script
 * loaded and never cleaned up is cleaned up once its work is settled, by the kernel itself (as with plain
 * `node`: see dataflow/exit-handling.ts), so tasks the script started without awaiting still finish. When the
 * script's top level throws, the kernel is cleaned up at once and the exit status is 1. Under mpiexec or srun with
 * more than one rank, only rank 0 runs the script: the other ranks serve its MPICommExecutor (docs/mpi.md).
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workflow script and clean up the DataFlowKernel it loaded')
    .argument('<script>', 'a .js/.mjs file, or .ts/.mts with tsx installed')
    .argument('[args...]', 'arguments for the script (process.argv after the script)')
    .action(async (script: string, args: string[]) => {
      const path = resolve(script);
      await enterAllocation();
      process.argv = [process.argv[0]!, path, ...args];
      if (/\.[cm]?tsx?$/.test(path)) await registerTypeScript();
      try {
        await import(pathToFileURL(path).href);
      } catch (e) {
        await cleanupLoadedKernel();
        console.error(e);
        process.exitCode = 1;
      }
    });
}

async function registerTypeScript(): Promise<void> {
  try {
    const api = (await import('tsx/esm/api')) as { register: () => unknown };
    api.register();
  } catch (e) {
    throw new OptionalModuleMissing(['tsx'], 'running a TypeScript workflow needs tsx', { cause: e });
  }
}

async function cleanupLoadedKernel(): Promise<void> {
  let kernel: ReturnType<typeof dfk>;
  try {
    kernel = dfk();
  } catch {
    return; // the script cleaned up itself
  }
  try {
    await kernel.cleanup();
  } finally {
    clear();
  }
}
