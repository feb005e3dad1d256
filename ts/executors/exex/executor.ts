import { ConfigurationError } from '../../errors.js';
import type { Launcher } from '../../launchers/base.js';
import type { MPIFlavor } from '../../mpi/load-addon.js';
import { type KeySet, OptionReader } from '../../options.js';
import { HighThroughputExecutor } from '../htex/executor.js';
import {
  INTERCHANGE_KEYS,
  type InterchangeOptions,
  oneWorkerPerSlot,
  RETIRED,
  type ResolvedHtexOptions,
  readInterchangeOptions,
  readPipelineMs,
  refuse,
  WORKER_KEYS,
  type WorkerOptions,
} from '../htex/options.js';
import type { LinkFlags, PoolCommand } from '../htex/pool-command.js';
import { resolveMpiStart } from './mpi-start.js';

/** Options of {@link ExtremeScaleExecutor}: HTEX's interchange options plus the MPI pool's. */
export interface ExtremeScaleOptions extends InterchangeOptions, Pick<WorkerOptions, 'pipelineMs'> {
  /** MPI ranks per node; a block runs `ranksPerNode × nodesPerBlock` ranks (rank 0 dispatches). @default 2 */
  ranksPerNode?: number;
  /** Which MPI the pool's addon uses. @default automatic (from the launcher's environment) */
  mpi?: MPIFlavor | null;
  /**
   * For launchers that do not start MPI themselves (SimpleLauncher, SingleNodeLauncher): the command placed in
   * front of the pool command, `{ranks}` replaced by the rank count, e.g. `'mpiexec.mpich -n {ranks}'`.
   * Leave null with MpiExecLauncher, SrunLauncher, AprunLauncher or JsrunLauncher (refused with them).
   * @default null: with those launchers; with a launcher that only runs commands, on a one-node block, the
   * `mpiexec` of a built MPI flavour found on PATH (see executors/exex/mpi-start.ts); a many-node block with such
   * a launcher is refused
   */
  mpiLauncher?: string | null;
  /** Pools with more ranks than this dispatch through sub-dispatchers. @default 256 */
  dispatchTreeThreshold?: number;
  /** Worker ranks per sub-dispatcher. @default 64 */
  dispatchFanout?: number;
  /**
   * Microseconds an idle rank keeps polling MPI after its last message, and its longest sleep after that while a
   * message could arrive unannounced (from a rank on another node). Ranks on one node wake each other when they send
   * (doorbells, see docs/mpi.md), so there the sleep costs no latency and a pool on one node idles at ≈ 0 % CPU;
   * across nodes, lower sleeps cut the latency of a task that reaches an idle rank and cost idle CPU (1000 µs: ~2 %
   * of a core). Longer spins cost CPU that the working ranks need.
   * @default { spinMicros: 50, maxSleepMicros: 1000 }
   */
  mpiPolling?: MPIPolling;
  /**
   * Seconds a rank of a pool may go without answering before it counts as hung. Ranks are pinged by their parent
   * (rank 0 or a sub-dispatcher) and answer from the addon's MPI progress thread, so a rank busy with a long task
   * answers on time; a stopped, frozen or MPI-deadlocked one does not. Its tasks then fail with `WorkerLost`
   * (`Config.retries` runs them elsewhere), it gets no more tasks, the pool goes on with the other ranks, and ends
   * with MPI_Abort instead of an MPI_Finalize that would wait for it. Worker ranks abort the job when their parent
   * is silent this long. Ranks still waiting for MPI to start after this plus `heartbeatThreshold` (one rank stopped
   * or hung before MPI_Init holds all the others in it) end themselves, so the launcher ends the block and the
   * strategy replaces it. Keep it well above the longest pause a healthy node can have (swapping, a busy core).
   * @default 30
   */
  hungRankThreshold?: number;
}

export interface MPIPolling {
  spinMicros?: number;
  maxSleepMicros?: number;
}

/** The ExtremeScaleExecutor's own defaults; `parsl-ts mpi-worker-pool` reads them too. */
export const DEFAULTS = {
  ranksPerNode: 2,
  dispatchTreeThreshold: 256,
  dispatchFanout: 64,
  spinMicros: 50,
  maxSleepMicros: 1000,
  hungRankThreshold: 30,
} as const;

export interface ResolvedExtremeScaleOptions extends ResolvedHtexOptions {
  readonly ranksPerNode: number;
  readonly mpi: MPIFlavor | null;
  readonly mpiLauncher: string | null;
  readonly dispatchTreeThreshold: number;
  readonly dispatchFanout: number;
  readonly mpiPolling: { readonly spinMicros: number; readonly maxSleepMicros: number };
  /** Seconds. */
  readonly hungRankThreshold: number;
}

/** `parsl-ts mpi-worker-pool`: every rank of an ExtremeScale block. */
export type ExexPoolFlags = LinkFlags & {
  readonly 'mpi-flavor': MPIFlavor | null;
  readonly 'pipeline-ms': number;
  readonly 'tree-threshold': number;
  readonly 'tree-fanout': number;
  readonly 'mpi-spin-us': number;
  readonly 'mpi-max-sleep-us': number;
  readonly 'hung-rank-threshold': number;
};

const KEYS = {
  ...INTERCHANGE_KEYS,
  pipelineMs: true,
  ranksPerNode: true,
  mpi: true,
  mpiLauncher: true,
  dispatchTreeThreshold: true,
  dispatchFanout: true,
  mpiPolling: true,
  hungRankThreshold: true,
} as const satisfies KeySet<ExtremeScaleOptions>;

const REFUSED = {
  ...RETIRED,
  ...refuse(
    Object.keys(WORKER_KEYS).filter((k) => !(k in KEYS)),
    'an MPI pool runs one worker per rank; size blocks with ranksPerNode',
  ),
};

/**
 * The ExtremeScaleExecutor: each block is one MPI job of `parsl-ts mpi-worker-pool`. Rank 0 registers with the
 * interchange as a manager (with its block id), takes task batches over ZeroMQ and dispatches them to the other
 * ranks through the native dispatcher core; past `dispatchTreeThreshold` ranks, through sub-dispatchers. The
 * interchange, retries, ManagerLost on silence, scaling and the command channel are the HighThroughputExecutor's.
 *
 * ```ts
 * new ExtremeScaleExecutor({ ranksPerNode: 4, provider: new SlurmProvider({ launcher: new SrunLauncher() }) })
 * ```
 */
export class ExtremeScaleExecutor extends HighThroughputExecutor {
  declare readonly options: ResolvedExtremeScaleOptions;
  readonly ranksPerNode: number;
  readonly mpi: MPIFlavor | null;
  readonly mpiLauncher: string | null;
  readonly dispatchTreeThreshold: number;
  readonly dispatchFanout: number;
  readonly mpiPolling: { readonly spinMicros: number; readonly maxSleepMicros: number };
  /** Seconds; see {@link ExtremeScaleOptions.hungRankThreshold}. */
  readonly hungRankThreshold: number;

  protected static override resolveOptions(options: unknown): ResolvedExtremeScaleOptions {
    const o = new OptionReader<ExtremeScaleOptions>('ExtremeScaleExecutor', options, KEYS, REFUSED);
    const base = readInterchangeOptions(o, 'ExtremeScaleExecutor');
    const ranksPerNode = o.int('ranksPerNode', DEFAULTS.ranksPerNode);
    if (ranksPerNode * base.provider.nodesPerBlock < 2)
      throw new ConfigurationError(
        `ExtremeScaleExecutor needs at least 2 ranks per block (rank 0 dispatches), got ranksPerNode ${ranksPerNode} × nodesPerBlock ${base.provider.nodesPerBlock}`,
      );
    const polling = new OptionReader<MPIPolling>('ExtremeScaleExecutor.mpiPolling', o.raw('mpiPolling'), {
      spinMicros: true,
      maxSleepMicros: true,
    });
    const start = resolveMpiStart({
      launcher: (base.provider as { launcher?: Launcher }).launcher ?? null,
      nodesPerBlock: base.provider.nodesPerBlock,
      mpi: o.oneOf('mpi', ['openmpi', 'mpich', null], null),
      mpiLauncher: o.string('mpiLauncher', null),
    });
    return {
      ...base,
      ...oneWorkerPerSlot(ranksPerNode, readPipelineMs(o)),
      ranksPerNode,
      mpi: start.mpi,
      mpiLauncher: start.mpiLauncher,
      dispatchTreeThreshold: o.int('dispatchTreeThreshold', DEFAULTS.dispatchTreeThreshold),
      dispatchFanout: o.int('dispatchFanout', DEFAULTS.dispatchFanout),
      mpiPolling: {
        spinMicros: polling.int('spinMicros', DEFAULTS.spinMicros),
        maxSleepMicros: polling.int('maxSleepMicros', DEFAULTS.maxSleepMicros),
      },
      hungRankThreshold: o.check<number>('hungRankThreshold', DEFAULTS.hungRankThreshold, (v) =>
        typeof v === 'number' && Number.isFinite(v) && v >= 0.1 ? null : 'a number of seconds ≥ 0.1',
      ),
    };
  }

  constructor(options: ExtremeScaleOptions = {}) {
    super(options);
    const o = this.options;
    this.ranksPerNode = o.ranksPerNode;
    this.mpi = o.mpi;
    this.mpiLauncher = o.mpiLauncher;
    this.dispatchTreeThreshold = o.dispatchTreeThreshold;
    this.dispatchFanout = o.dispatchFanout;
    this.mpiPolling = o.mpiPolling;
    this.hungRankThreshold = o.hungRankThreshold;
  }

  /** Ranks in one block, rank 0 included. */
  get ranksPerBlock(): number {
    return this.ranksPerNode * this.provider.nodesPerBlock;
  }

  /** Worker ranks per node, for the strategy (rank 0 and sub-dispatchers are spread thin enough to ignore). */
  override get workersPerNode(): number {
    return this.ranksPerNode;
  }

  /** A launcher that starts MPI starts one pool process per rank; behind `mpiLauncher`, one mpiexec per block. */
  protected override get tasksPerNode(): number {
    return this.mpiLauncher === null ? this.ranksPerNode : 1;
  }

  /** `parsl-ts mpi-worker-pool` and its flags: every rank runs it. */
  override poolCommand(blockId: string): PoolCommand {
    const o = this.options;
    const flags: ExexPoolFlags = {
      ...this.linkFlags(blockId),
      'mpi-flavor': o.mpi,
      'pipeline-ms': o.pipelineMs,
      'tree-threshold': o.dispatchTreeThreshold,
      'tree-fanout': o.dispatchFanout,
      'mpi-spin-us': o.mpiPolling.spinMicros,
      'mpi-max-sleep-us': o.mpiPolling.maxSleepMicros,
      'hung-rank-threshold': Math.round(o.hungRankThreshold * 1000),
    };
    return { subcommand: 'mpi-worker-pool', flags };
  }

  /** The pool command, behind `mpiLauncher` when the provider's launcher does not start MPI itself. */
  protected override launchCommand(blockId: string): string {
    const pool = super.launchCommand(blockId);
    if (this.mpiLauncher === null) return pool;
    return `${this.mpiLauncher.replaceAll('{ranks}', String(this.ranksPerBlock))} ${pool}`;
  }
}
