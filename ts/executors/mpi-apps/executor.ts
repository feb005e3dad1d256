import { ConfigurationError } from '../../errors.js';
import type { ExecutionProvider } from '../../providers/base.js';
import { shellQuote } from '../../shell.js';
import type { ExecutorTask, TaskDone } from '../base.js';
import { HighThroughputExecutor } from '../htex/executor.js';
import type { HtexOptions } from '../htex/options.js';
import { SPEC_MARKER } from './pool.js';
import type { MPILauncherKind } from './prefix.js';
import { resolveMPISpec } from './resource-spec.js';

/** Options of {@link MPIExecutor}: HTEX's interchange options plus how tasks start MPI programs. */
export interface MPIExecutorOptions
  extends Omit<
    HtexOptions,
    | 'maxWorkersPerNode'
    | 'coresPerWorker'
    | 'memPerWorker'
    | 'cpuAffinity'
    | 'availableAccelerators'
    | 'prefetchCapacity'
    | 'pipelineMs'
  > {
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

const OWN = ['mpiLauncher', 'mpiexec', 'mpiexecStyle', 'launcherOptions', 'hosts', 'slotsPerNode'] as const;
const REJECTED = [
  'maxWorkersPerNode',
  'coresPerWorker',
  'memPerWorker',
  'cpuAffinity',
  'availableAccelerators',
  'prefetchCapacity',
  'pipelineMs',
];

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
  readonly mpiLauncher: MPILauncherKind;
  readonly mpiexec: string;
  readonly mpiexecStyle: 'mpich' | 'openmpi';
  readonly launcherOptions: string;
  readonly hosts: readonly string[] | null;
  readonly slotsPerNode: number | null;

  constructor(options: MPIExecutorOptions & { provider?: ExecutionProvider } = {}) {
    for (const k of REJECTED)
      if (k in options)
        throw new ConfigurationError(
          `MPIExecutor has no option '${k}': size tasks with their resourceSpecification`,
        );
    const htex: Record<string, unknown> = { label: 'MPIExecutor', ...options, pipelineMs: 0 };
    for (const k of OWN) delete htex[k];
    super(htex as HtexOptions);
    const launcher = options.mpiLauncher ?? 'mpiexec';
    if (!['mpiexec', 'srun', 'aprun'].includes(launcher))
      throw new ConfigurationError(
        `MPIExecutor.mpiLauncher must be 'mpiexec', 'srun' or 'aprun', got ${JSON.stringify(launcher)}`,
      );
    const style = options.mpiexecStyle ?? 'mpich';
    if (style !== 'mpich' && style !== 'openmpi')
      throw new ConfigurationError(
        `MPIExecutor.mpiexecStyle must be 'mpich' or 'openmpi', got ${JSON.stringify(style)}`,
      );
    const slots = options.slotsPerNode ?? null;
    if (slots !== null && (!Number.isInteger(slots) || slots < 1))
      throw new ConfigurationError(
        `MPIExecutor.slotsPerNode must be an integer ≥ 1 or null, got ${String(slots)}`,
      );
    const hosts = options.hosts ?? null;
    if (
      hosts !== null &&
      (!Array.isArray(hosts) ||
        hosts.length === 0 ||
        !hosts.every((h) => typeof h === 'string' && /^[\w.:-]+$/.test(h)))
    )
      throw new ConfigurationError('MPIExecutor.hosts must be a non-empty list of host names, or null');
    this.mpiLauncher = launcher;
    this.mpiexec = options.mpiexec ?? 'mpiexec';
    this.mpiexecStyle = style;
    this.launcherOptions = options.launcherOptions ?? '';
    this.hosts = hosts;
    this.slotsPerNode = slots;
  }

  /** Checks the resource specification at submit, so a bad spec fails at once and never waits in a backlog. */
  override submit(task: ExecutorTask, done: TaskDone): void {
    let spec: ReturnType<typeof resolveMPISpec>;
    try {
      const limits =
        this.hosts !== null && this.slotsPerNode !== null
          ? { nodes: this.hosts.length, slotsPerNode: this.slotsPerNode }
          : undefined;
      spec = resolveMPISpec(task.resourceSpecification, limits);
    } catch (e) {
      queueMicrotask(() => done({ ok: false, error: e as Error }));
      return;
    }
    const p = task.resourceSpecification.priority;
    super.submit(
      {
        ...task,
        args: [SPEC_MARKER, spec, ...task.args],
        resourceSpecification: p === undefined ? {} : { priority: p },
      },
      done,
    );
  }

  protected override launchCommand(blockId: string): string {
    const htex = super.launchCommand(blockId);
    const at = htex.indexOf(' worker-pool ');
    if (at < 0) throw new Error(`unexpected pool command: ${htex}`);
    return [
      `${htex.slice(0, at)} mpi-worker-pool --apps ${htex.slice(at + ' worker-pool '.length)}`,
      `--mpi-launcher=${this.mpiLauncher}`,
      `--mpiexec=${shellQuote(this.mpiexec)}`,
      `--mpiexec-style=${this.mpiexecStyle}`,
      ...(this.launcherOptions ? [`--launcher-options=${shellQuote(this.launcherOptions)}`] : []),
      ...(this.hosts ? [`--hosts=${this.hosts.join(',')}`] : []),
      ...(this.slotsPerNode !== null ? [`--slots-per-node=${this.slotsPerNode}`] : []),
    ].join(' ');
  }
}
