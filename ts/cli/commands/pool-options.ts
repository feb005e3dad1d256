import { Command, InvalidArgumentError, Option } from 'commander';
import { type CommonPoolOptions, newPoolUid } from '../../executors/htex/manager/interchange-link.js';
import { DEFAULTS } from '../../executors/htex/options.js';

/**
 * The pool subcommands (`worker-pool`, `mpi-worker-pool`, `mpi-app-pool`): executors start them in blocks, and
 * each declares only the flags it reads, so a flag meant for another pool is refused. The flags every pool reads
 * (how it joins its interchange, where it logs) are declared here, once.
 */

/** What commander reads for the shared flags (camelCase of the flag names). */
export interface CommonPoolValues {
  readonly addresses: string[];
  readonly port: number;
  readonly certDir?: string;
  readonly blockId?: string;
  readonly uid?: string;
  readonly hbPeriod: number;
  readonly hbThreshold: number;
  readonly drainPeriod?: number;
  readonly addressProbeTimeout: number;
  readonly logdir: string;
  readonly debug: boolean;
}

/** One pool subcommand: the flags only it reads, how their values become the pool's options, and the pool. */
export interface PoolSubcommand<V extends CommonPoolValues, O> {
  readonly name: string;
  readonly description: string;
  flags(cmd: Command): Command;
  options(values: V): O;
  run(options: O): Promise<number>;
}

/** Adds the subcommand to the program; the process exits with the pool's exit code. */
export function registerPool<V extends CommonPoolValues, O>(
  program: Command,
  sub: PoolSubcommand<V, O>,
): void {
  const cmd = declare(sub);
  program.addCommand(
    cmd.action(async () => {
      process.exit(await sub.run(sub.options(cmd.opts<V>())));
    }),
  );
}

/**
 * The pool's options from its words after the subcommand, as the node would read them; throws commander's error
 * (with its message) for a flag the subcommand does not read, a missing required flag, or a bad value.
 */
export function parsePoolArgs<V extends CommonPoolValues, O>(sub: PoolSubcommand<V, O>, args: string[]): O {
  const cmd = declare(sub)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.parse(args, { from: 'user' });
  return sub.options(cmd.opts<V>());
}

function declare<V extends CommonPoolValues, O>(sub: PoolSubcommand<V, O>): Command {
  return sub.flags(addPoolLinkOptions(new Command(sub.name).description(sub.description)));
}

/** The flags every pool reads; the executor always passes them, the defaults serve a pool started by hand. */
export function addPoolLinkOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-a, --addresses <list>', 'comma-separated interchange addresses to probe', list)
    .requiredOption('--port <n>', 'interchange worker port', int)
    .option('--cert-dir <dir>', 'CurveZMQ certificate directory (omit for plain text)')
    .option('--block-id <id>', 'block this pool belongs to')
    .option('--uid <id>', 'pool id (default: random)')
    .option('--hb-period <ms>', 'heartbeat period', int, ms(DEFAULTS.heartbeatPeriod))
    .option(
      '--hb-threshold <ms>',
      'exit after this long without contact',
      int,
      ms(DEFAULTS.heartbeatThreshold),
    )
    .option('--drain-period <ms>', 'drain and exit after this long', int)
    .option(
      '--address-probe-timeout <ms>',
      'how long to wait for an address to answer',
      int,
      ms(DEFAULTS.addressProbeTimeout),
    )
    .option('--logdir <dir>', 'log directory', '.')
    .option('--debug', 'log at debug level', false);
}

export function commonPoolOptions(v: CommonPoolValues): CommonPoolOptions {
  return {
    addresses: v.addresses,
    port: v.port,
    certDir: v.certDir ?? null,
    blockId: v.blockId ?? null,
    uid: v.uid ?? newPoolUid(),
    heartbeatPeriodMs: v.hbPeriod,
    heartbeatThresholdMs: v.hbThreshold,
    drainPeriodMs: v.drainPeriod ?? null,
    addressProbeTimeoutMs: v.addressProbeTimeout,
    logdir: v.logdir,
    debug: v.debug,
  };
}

/** A flag whose value is one of `values`. */
export function choice(flags: string, description: string, values: readonly string[]): Option {
  return new Option(flags, description).choices(values);
}

export function int(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected an integer, got '${v}'`);
  return n;
}

export function num(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new InvalidArgumentError(`expected a number, got '${v}'`);
  return n;
}

/** A comma-separated list, empty items dropped. */
export function list(v: string): string[] {
  return v.split(',').filter(Boolean);
}

/** Seconds (the executors' unit) → the milliseconds pool flags take. */
export function ms(seconds: number): number {
  return Math.round(seconds * 1000);
}
