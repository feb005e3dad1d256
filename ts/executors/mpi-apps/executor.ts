import { type KeySet, OptionReader } from '../../options.js';
import { HighThroughputExecutor } from '../htex/executor.js';
import {
  INTERCHANGE_KEYS,
  type InterchangeOptions,
  oneWorkerPerSlot,
  RETIRED,
  type ResolvedHtexOptions,
  readInterchangeOptions,
  refuse,
  WORKER_KEYS,
} from '../htex/options.js';
import type { LinkFlags, PoolCommand } from '../htex/pool-command.js';
import type { TaskPlacement } from '../htex/task-codec.js';
import type { MPILauncherKind } from './prefix.js';
import { resolveMPISpec } from './resource-spec.js';

/** Options of {@link MPIExecutor}: HTEX's interchange options plus how tasks start MPI programs. */
export interface MPIExecutorOptions extends InterchangeOptions {
  /** Which launcher `PARSL_MPI_PREFIX` uses. @default 'mpiexec' */
  mpiLauncher?: MPILauncherKind;
  /** The mpiexec binary (e.g. `mpiexec.mpich`). @default 'mpiexec' */
  mpiexec?: string;
  /** Dialect of that mpiexec: `mpich` (Hydra, PALS, Intel MPI) or `openmpi`. @default 'mpich' */
  mpiexecStyle?: 'mpich' | 'openmpi';
  /** Flags added to every prefix, before the task's own `launcherOptions`. @default '' */
  launcherOptions?: string;
  /** The block's nodes; null = from Slurm, PBS, LSF or Cobalt, else the block's lead host. @default null */
  hosts?: string[] | null;
  /** MPI ranks a node runs at once; null = the cores of the block's lead node. @default null */
  slotsPerNode?: number | null;
}

/** The MPIExecutor's own defaults; `parsl-ts mpi-app-pool` reads them too. */
export const DEFAULTS = {
  mpiLauncher: 'mpiexec',
  mpiexec: 'mpiexec',
  mpiexecStyle: 'mpich',
  launcherOptions: '',
} as const;

export interface ResolvedMPIExecutorOptions extends ResolvedHtexOptions {
  readonly mpiLauncher: MPILauncherKind;
  readonly mpiexec: string;
  readonly mpiexecStyle: 'mpich' | 'openmpi';
  readonly launcherOptions: string;
  readonly hosts: readonly string[] | null;
  readonly slotsPerNode: number | null;
}

/** `parsl-ts mpi-app-pool`: the pool on a block's lead node. */
export type MpiAppPoolFlags = LinkFlags & {
  readonly hosts: string | null;
  readonly 'slots-per-node': number | null;
  readonly 'mpi-launcher': MPILauncherKind;
  readonly mpiexec: string;
  readonly 'mpiexec-style': 'mpich' | 'openmpi';
  readonly 'launcher-options': string | null;
};

const KEYS = {
  ...INTERCHANGE_KEYS,
  mpiLauncher: true,
  mpiexec: true,
  mpiexecStyle: true,
  launcherOptions: true,
  hosts: true,
  slotsPerNode: true,
} as const satisfies KeySet<MPIExecutorOptions>;

const REFUSED = {
  ...RETIRED,
  ...refuse(Object.keys(WORKER_KEYS), 'size tasks with their resourceSpecification'),
};

/**
 * The MPIExecutor: MPI applications as tasks. One pool per block runs on the block's lead node, accounts the
 * block's nodes per task (`{ numNodes, ranksPerNode, numRanks, launcherOptions }`, two counts derive the third)
 * and runs each task with `PARSL_MPI_PREFIX` & co. set for the nodes it was given:
 *
 * ```ts
 * const hello = bashApp(() => '$PARSL_MPI_PREFIX ./mpi_hello');
 * await hello({ resourceSpecification: { numNodes: 2, ranksPerNode: 4 } });
 * ```
 *
 * Start blocks with `SimpleLauncher` (the pool starts MPI itself, per task).
 */
export class MPIExecutor extends HighThroughputExecutor {
  declare readonly options: ResolvedMPIExecutorOptions;
  readonly mpiLauncher: MPILauncherKind;
  readonly mpiexec: string;
  readonly mpiexecStyle: 'mpich' | 'openmpi';
  readonly launcherOptions: string;
  readonly hosts: readonly string[] | null;
  readonly slotsPerNode: number | null;

  protected static override resolveOptions(options: unknown): ResolvedMPIExecutorOptions {
    const o = new OptionReader<MPIExecutorOptions>('MPIExecutor', options, KEYS, REFUSED);
    const slotsPerNode = o.number('slotsPerNode', null, { integer: true, min: 1 });
    return {
      ...readInterchangeOptions(o, 'MPIExecutor'),
      ...oneWorkerPerSlot(slotsPerNode ?? Number.POSITIVE_INFINITY, 0),
      mpiLauncher: o.oneOf('mpiLauncher', ['mpiexec', 'srun', 'aprun'], DEFAULTS.mpiLauncher),
      mpiexec: o.name('mpiexec', DEFAULTS.mpiexec),
      mpiexecStyle: o.oneOf('mpiexecStyle', ['mpich', 'openmpi'], DEFAULTS.mpiexecStyle),
      launcherOptions: o.string('launcherOptions', DEFAULTS.launcherOptions),
      hosts: o.check<readonly string[] | null>('hosts', null, (v) =>
        v === null ||
        (Array.isArray(v) && v.length > 0 && v.every((h) => typeof h === 'string' && /^[\w.:-]+$/.test(h)))
          ? null
          : 'a non-empty list of host names, or null',
      ),
      slotsPerNode,
    };
  }

  constructor(options: MPIExecutorOptions = {}) {
    super(options);
    const o = this.options;
    this.mpiLauncher = o.mpiLauncher;
    this.mpiexec = o.mpiexec;
    this.mpiexecStyle = o.mpiexecStyle;
    this.launcherOptions = o.launcherOptions;
    this.hosts = o.hosts;
    this.slotsPerNode = o.slotsPerNode;
  }

  /**
   * Resolves and checks the resource specification at submit, once: a bad spec fails at once and never waits in
   * a backlog, and the pool reads the result from the task's header.
   */
  protected override placeTask(spec: Readonly<Record<string, unknown>>): TaskPlacement {
    const limits =
      this.hosts !== null && this.slotsPerNode !== null
        ? { nodes: this.hosts.length, slotsPerNode: this.slotsPerNode }
        : undefined;
    const resources = resolveMPISpec(spec, limits);
    return { priority: typeof spec.priority === 'number' ? spec.priority : null, resources };
  }

  /** `parsl-ts mpi-app-pool` and its flags: one pool on the block's lead node. */
  override poolCommand(blockId: string): PoolCommand {
    const o = this.options;
    const flags: MpiAppPoolFlags = {
      ...this.linkFlags(blockId),
      hosts: o.hosts === null ? null : o.hosts.join(','),
      'slots-per-node': o.slotsPerNode,
      'mpi-launcher': o.mpiLauncher,
      mpiexec: o.mpiexec,
      'mpiexec-style': o.mpiexecStyle,
      'launcher-options': o.launcherOptions === '' ? null : o.launcherOptions,
    };
    return { subcommand: 'mpi-app-pool', flags };
  }
}
