import { getLogger } from '../logging.js';
import { type KeySet, OptionReader } from '../options.js';
import { assertCounts, LAUNCHER_OPTIONS, type Launcher, type LauncherOptions } from './base.js';

export interface WrappedLauncherOptions extends LauncherOptions {
  /** Text placed before the command, e.g. `singularity exec img.sif` or `time`. */
  prepend: string;
}

const WRAPPED_OPTIONS = { ...LAUNCHER_OPTIONS, prepend: true } satisfies KeySet<WrappedLauncherOptions>;

const log = getLogger('parsl.launchers');

/** Prefixes the command with `prepend` (a container runtime, `time`, …); one copy per block. */
export class WrappedLauncher implements Launcher {
  readonly prepend: string;
  readonly debug: boolean;

  constructor(options: WrappedLauncherOptions) {
    const o = new OptionReader<WrappedLauncherOptions>('WrappedLauncher', options, WRAPPED_OPTIONS);
    this.prepend = o.string('prepend', '');
    if (this.prepend === '')
      o.fail('prepend', "the text placed before the command, e.g. 'singularity exec img.sif'");
    this.debug = o.bool('debug', true);
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('WrappedLauncher', tasksPerNode, nodesPerBlock);
    if (tasksPerNode * nodesPerBlock > 1) {
      log.warning(`WrappedLauncher starts one copy of the command, not ${tasksPerNode * nodesPerBlock}`);
    }
    return `${this.prepend} ${command}`;
  }
}
