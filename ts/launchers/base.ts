import { type KeySet, OptionReader } from '../options.js';
import { BadLauncher } from './errors.js';

/**
 * A launcher turns the worker command into the bash fragment that starts it on every node of a block
 * as a pure function of its inputs, so it is tested by string comparison and by running it.
 */
export interface Launcher {
  /**
   * @param command the command to start (one copy per task)
   * @param tasksPerNode copies per node
   * @param nodesPerBlock nodes in the block
   * @returns a bash fragment placed at the end of the provider's submit script
   */
  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string;
}

/** Whether `v` has the method of a {@link Launcher} (for checking options). */
export function isLauncher(v: unknown): v is Launcher {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Launcher>).apply === 'function';
}

export interface LauncherOptions {
  /**
   * Echo what the fragment does (cores found, tasks launched) to the job's stdout.
   * @default true
   */
  debug?: boolean;
}

export interface OverridableLauncherOptions extends LauncherOptions {
  /**
   * Extra arguments placed verbatim on the parallel launcher's command line (e.g. `--mpi=pmix`).
   * @default ''
   */
  overrides?: string;
}

export const LAUNCHER_OPTIONS = { debug: true } satisfies KeySet<LauncherOptions>;

export const OVERRIDABLE_OPTIONS = {
  ...LAUNCHER_OPTIONS,
  overrides: true,
} satisfies KeySet<OverridableLauncherOptions>;

/** Option handling shared by the launchers that take `overrides` (srun, aprun, jsrun and friends). */
export abstract class OverridableLauncher implements Launcher {
  readonly debug: boolean;
  readonly overrides: string;

  constructor(options: OverridableLauncherOptions = {}) {
    const o = new OptionReader<OverridableLauncherOptions>(new.target.name, options, OVERRIDABLE_OPTIONS);
    this.debug = o.bool('debug', true);
    this.overrides = o.string('overrides', '');
  }

  abstract apply(command: string, tasksPerNode: number, nodesPerBlock: number): string;
}

/** `1` or `0`: the fragments test `[[ "$DEBUG" == "1" ]]` so a user can still flip it at run time. */
export function debugFlag(debug: boolean | undefined): string {
  return debug === false ? '0' : '1';
}

/**
 * Bash lines that write `command` verbatim into `cmd_<job>.sh` next to the submit script. The heredoc
 * delimiter is quoted so `$VARS` in the command expand when each task runs (per task), not when written.
 */
export function writeCommandFile(command: string, jobVar: string, marker: string): string {
  return [
    `CMD_FILE="\${SCRIPT_DIR:+$SCRIPT_DIR/}cmd_$${jobVar}.sh"`,
    `cat << '${marker}' > "$CMD_FILE"`,
    command,
    marker,
    'chmod u+x "$CMD_FILE"',
  ].join('\n');
}

export function assertCounts(name: string, tasksPerNode: number, nodesPerBlock: number): void {
  for (const [field, value] of [
    ['tasksPerNode', tasksPerNode],
    ['nodesPerBlock', nodesPerBlock],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new BadLauncher(
        `${name}: ${field} must be a positive integer, got ${String(value)}; pass a count ≥ 1`,
      );
    }
  }
}
