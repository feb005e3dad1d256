import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { OptionalModuleMissing } from '../../errors.js';
import { clear, dfk } from '../../load.js';

/**
 * `parsl-ts run <script>`: run a workflow script (JavaScript, or TypeScript through tsx) and make sure the
 * kernel it loaded is cleaned up afterwards, even when the script forgot or threw.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workflow script and clean up the DataFlowKernel it loaded')
    .argument('<script>', 'a .js/.mjs file, or .ts/.mts with tsx installed')
    .argument('[args...]', 'arguments for the script (process.argv after the script)')
    .action(async (script: string, args: string[]) => {
      const path = resolve(script);
      process.argv = [process.argv[0]!, path, ...args];
      if (/\.[cm]?tsx?$/.test(path)) await registerTypeScript();
      let failure: unknown = null;
      try {
        await import(pathToFileURL(path).href);
      } catch (e) {
        failure = e;
      }
      await cleanupLoadedKernel();
      if (failure) {
        console.error(failure);
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
