import { ConfigurationError } from '../../errors.js';
import type { MPIFlavor } from '../../mpi/load-addon.js';
import type { ExecutionProvider } from '../../providers/base.js';
import { LocalProvider } from '../../providers/local/local.js';
import { HighThroughputExecutor } from '../htex/executor.js';
import type { HtexOptions } from '../htex/options.js';

/** Options of {@link ExtremeScaleExecutor}: HTEX's interchange options plus the MPI pool's. */
export interface ExtremeScaleOptions
  extends Omit<
    HtexOptions,
    | 'maxWorkersPerNode'
    | 'coresPerWorker'
    | 'memPerWorker'
    | 'cpuAffinity'
    | 'availableAccelerators'
    | 'prefetchCapacity'
  > {
  /** MPI ranks per node; a block runs `ranksPerNode × nodesPerBlock` ranks (rank 0 dispatches). @default 2 */
  ranksPerNode?: number;
  /** Which MPI the pool's addon uses. @default automatic (from the launcher's environment) */
  mpi?: MPIFlavor | null;
  /**
   * For launchers that do not start MPI themselves (SimpleLauncher, SingleNodeLauncher): the command placed in
   * front of the pool command, `{ranks}` replaced by the rank count, e.g. `'mpiexec.mpich -n {ranks}'`.
   * Leave null with MpiExecLauncher, SrunLauncher, AprunLauncher or JsrunLauncher.
   * @default null
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
  mpiPolling?: { spinMicros?: number; maxSleepMicros?: number };
  /**
   * Seconds a rank of a pool may go without answering before it counts as hung. Ranks are pinged by their parent
   * (rank 0 or a sub-dispatcher) and answer from the addon's MPI progress thread, so a rank busy with a long task
   * answers on time; a stopped, frozen or MPI-deadlocked one does not. Its tasks then fail with `WorkerLost`
   * (`Config.retries` runs them elsewhere), it gets no more tasks, the pool goes on with the other ranks, and ends
   * with MPI_Abort instead of an MPI_Finalize that would wait for it. Worker ranks abort the job when their parent
   * is silent this long. Keep it well above the longest pause a healthy node can have (swapping, a busy core).
   * @default 30
   */
  hungRankThreshold?: number;
}

const OWN_KEYS = [
  'ranksPerNode',
  'mpi',
  'mpiLauncher',
  'dispatchTreeThreshold',
  'dispatchFanout',
  'mpiPolling',
  'hungRankThreshold',
] as const;
const REJECTED = [
  'maxWorkersPerNode',
  'coresPerWorker',
  'memPerWorker',
  'cpuAffinity',
  'availableAccelerators',
  'prefetchCapacity',
];

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
  readonly ranksPerNode: number;
  readonly mpi: MPIFlavor | null;
  readonly mpiLauncher: string | null;
  readonly dispatchTreeThreshold: number;
  readonly dispatchFanout: number;
  readonly mpiPolling: { readonly spinMicros: number; readonly maxSleepMicros: number };
  /** Seconds; see {@link ExtremeScaleOptions.hungRankThreshold}. */
  readonly hungRankThreshold: number;

  constructor(options: ExtremeScaleOptions & { provider?: ExecutionProvider } = {}) {
    for (const k of REJECTED)
      if (k in options)
        throw new ConfigurationError(
          `ExtremeScaleExecutor has no option '${k}': an MPI pool runs one worker per rank (set ranksPerNode)`,
        );
    const htex: Record<string, unknown> = { label: 'ExtremeScaleExecutor', ...options };
    for (const k of OWN_KEYS) delete htex[k];
    const ranksPerNode = options.ranksPerNode ?? 2;
    if (!Number.isInteger(ranksPerNode) || ranksPerNode < 1)
      throw new ConfigurationError(
        `ExtremeScaleExecutor.ranksPerNode must be an integer ≥ 1, got ${String(ranksPerNode)}`,
      );
    const provider = options.provider ?? new LocalProvider();
    htex.provider = withTasksPerNode(provider, ranksPerNode);
    super(htex as HtexOptions);
    const mpi = options.mpi ?? null;
    if (mpi !== null && mpi !== 'openmpi' && mpi !== 'mpich')
      throw new ConfigurationError(
        `ExtremeScaleExecutor.mpi must be 'openmpi', 'mpich' or null, got ${JSON.stringify(mpi)}`,
      );
    this.ranksPerNode = ranksPerNode;
    this.mpi = mpi;
    this.mpiLauncher = options.mpiLauncher ?? null;
    this.dispatchTreeThreshold = positiveInt('dispatchTreeThreshold', options.dispatchTreeThreshold, 256);
    this.dispatchFanout = positiveInt('dispatchFanout', options.dispatchFanout, 64);
    this.mpiPolling = {
      spinMicros: positiveInt('mpiPolling.spinMicros', options.mpiPolling?.spinMicros, 50),
      maxSleepMicros: positiveInt('mpiPolling.maxSleepMicros', options.mpiPolling?.maxSleepMicros, 1000),
    };
    const hung = options.hungRankThreshold ?? 30;
    if (typeof hung !== 'number' || !Number.isFinite(hung) || hung < 0.1)
      throw new ConfigurationError(
        `ExtremeScaleExecutor.hungRankThreshold must be a number of seconds ≥ 0.1, got ${String(hung)}`,
      );
    this.hungRankThreshold = hung;
    if (this.ranksPerBlock < 2)
      throw new ConfigurationError(
        `ExtremeScaleExecutor needs at least 2 ranks per block (rank 0 dispatches), got ranksPerNode ${ranksPerNode} × nodesPerBlock ${provider.nodesPerBlock}`,
      );
  }

  /** Ranks in one block, rank 0 included. */
  get ranksPerBlock(): number {
    return this.ranksPerNode * this.provider.nodesPerBlock;
  }

  /** Worker ranks per node, for the strategy (rank 0 and sub-dispatchers are spread thin enough to ignore). */
  override get workersPerNode(): number {
    return this.ranksPerNode;
  }

  protected override launchCommand(blockId: string): string {
    const htex = super.launchCommand(blockId);
    const at = htex.indexOf(' worker-pool ');
    if (at < 0) throw new Error(`unexpected pool command: ${htex}`);
    const cmd = [
      `${htex.slice(0, at)} mpi-worker-pool ${htex.slice(at + ' worker-pool '.length)}`,
      ...(this.mpi ? [`--mpi-flavor=${this.mpi}`] : []),
      `--tree-threshold=${this.dispatchTreeThreshold}`,
      `--tree-fanout=${this.dispatchFanout}`,
      `--mpi-spin-us=${this.mpiPolling.spinMicros}`,
      `--mpi-max-sleep-us=${this.mpiPolling.maxSleepMicros}`,
      `--hung-rank-threshold=${Math.round(this.hungRankThreshold * 1000)}`,
    ].join(' ');
    return this.mpiLauncher === null
      ? cmd
      : `${this.mpiLauncher.replaceAll('{ranks}', String(this.ranksPerBlock))} ${cmd}`;
  }
}

function positiveInt(field: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1)
    throw new ConfigurationError(`ExtremeScaleExecutor.${field} must be an integer ≥ 1, got ${String(v)}`);
  return v;
}

/**
 * The block machinery submits every block with one task per node; an MPI pool needs `ranksPerNode` from its
 * launcher. This view of the provider changes only that argument and forwards everything else to the provider.
 */
function withTasksPerNode(provider: ExecutionProvider, ranksPerNode: number): ExecutionProvider {
  return new Proxy(provider, {
    get(target, prop) {
      if (prop === 'submit')
        return (command: string, _tasksPerNode: number, jobName: string) =>
          target.submit(command, ranksPerNode, jobName);
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}
