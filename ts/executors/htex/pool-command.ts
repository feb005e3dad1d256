import { shellWord } from '../../shell.js';
import { CLI_MAIN } from './engine.js';

/**
 * The command a block runs to start one pool, as data: a `parsl-ts` subcommand and its flags by name, built from
 * the executor's resolved options. Each executor returns its own subcommand and flags; one renderer turns them into
 * the command line, and the subcommand's parser (`cli/commands/`) reads the same names back on the node.
 */

/** `string | number` is written `--flag=value`, `true` a bare `--flag`; `false` and `null` leave the flag out. */
export type FlagValue = string | number | boolean | null;

export type PoolFlags = { readonly [flag: string]: FlagValue };

export interface PoolCommand<F extends PoolFlags = PoolFlags> {
  readonly subcommand: 'worker-pool' | 'mpi-worker-pool' | 'mpi-app-pool';
  readonly flags: F;
}

/** What every pool is told: how it joins its interchange, where it logs (declared once by the CLI too). */
export type LinkFlags = {
  readonly addresses: string;
  readonly port: number;
  readonly 'cert-dir': string | null;
  readonly 'block-id': string;
  readonly 'hb-period': number;
  readonly 'hb-threshold': number;
  readonly 'drain-period': number | null;
  readonly 'address-probe-timeout': number;
  readonly logdir: string;
  readonly debug: boolean;
};

/** `parsl-ts worker-pool`: HTEX's process pool. */
export type WorkerPoolFlags = LinkFlags & {
  readonly 'max-workers-per-node': number | null;
  readonly 'cores-per-worker': number;
  readonly 'mem-per-worker': number | null;
  readonly 'prefetch-capacity': number;
  readonly 'pipeline-ms': number;
  readonly 'cpu-affinity': string;
  readonly 'available-accelerators': string | null;
};

/** The words after the subcommand, in the order of `flags`. */
export function flagWords(flags: PoolFlags): string[] {
  const words: string[] = [];
  for (const [name, v] of Object.entries(flags)) {
    if (v === null || v === false) continue;
    words.push(v === true ? `--${name}` : `--${name}=${v}`);
  }
  return words;
}

/** `node …/cli/main.js <subcommand> --flag=value …`, quoted for bash. */
export function renderPoolCommand(cmd: PoolCommand): string {
  return [process.execPath, CLI_MAIN, cmd.subcommand, ...flagWords(cmd.flags)].map(shellWord).join(' ');
}
