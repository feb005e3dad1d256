import { getLogger } from '../logging.js';
import { OptionReader } from '../options.js';
import { assertCounts, LAUNCHER_OPTIONS, type Launcher, type LauncherOptions } from './base.js';

const log = getLogger('parsl.launchers');

/** Runs the command once, unchanged: for blocks of one node where the worker pool fills the node itself. */
export class SimpleLauncher implements Launcher {
  readonly debug: boolean;

  constructor(options: LauncherOptions = {}) {
    this.debug = new OptionReader('SimpleLauncher', options, LAUNCHER_OPTIONS).bool('debug', true);
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('SimpleLauncher', tasksPerNode, nodesPerBlock);
    if (nodesPerBlock > 1) {
      // Parsl warns rather than fails: the block still runs, on its first node only.
      log.warning(
        `SimpleLauncher starts one copy of the command, but the block has ${nodesPerBlock} nodes: ` +
          'use SrunLauncher, MpiExecLauncher or AprunLauncher to use them all',
      );
    }
    return command;
  }
}
