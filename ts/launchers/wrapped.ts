import { getLogger } from '../logging.js';
import { assertCounts, type Launcher, type LauncherOptions } from './base.js';

export interface WrappedLauncherOptions extends LauncherOptions {
  /** Text placed before the command, e.g. `singularity exec img.sif` or `time`. */
  prepend: string;
}

const log = getLogger('parsl.launchers');

/** Prefixes the command with `prepend` (a container runtime, `time`, …); one copy per block. */
export class WrappedLauncher implements Launcher {
  readonly prepend: string;
  readonly debug: boolean;

  constructor(options: WrappedLauncherOptions) {
    this.prepend = options.prepend;
    this.debug = options.debug ?? true;
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('WrappedLauncher', tasksPerNode, nodesPerBlock);
    if (tasksPerNode * nodesPerBlock > 1) {
      log.warning(`WrappedLauncher starts one copy of the command, not ${tasksPerNode * nodesPerBlock}`);
    }
    return `${this.prepend} ${command}`;
  }
}
