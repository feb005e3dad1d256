// Runs under the kernel for the reliability suites: an HTEX or an ExtremeScaleExecutor (Open MPI or MPICH) on
// this host, blocks started and replaced by the 'simple' strategy, short heartbeats, and the processes of the run.
import { readFileSync } from 'node:fs';
import * as parsl from 'parsl-ts';
import {
  type Executor,
  ExtremeScaleExecutor,
  HighThroughputExecutor,
  LocalProvider,
  SimpleLauncher,
} from 'parsl-ts';
import { FAST } from '../exex/pools.js';
import { freshRunDir } from '../helpers/executors.js';
import { addonMissing, type Flavor, mpiexecFor, OMPI_ENV } from '../helpers/mpi.js';
import { describeProcesses, killAndDescribe, processesOfRun } from '../helpers/processes.js';

export type RunKind = 'htex' | 'exex-openmpi' | 'exex-mpich';
export const RUN_KINDS: readonly RunKind[] = ['htex', 'exex-openmpi', 'exex-mpich'];

const flavorOf = (kind: RunKind): Flavor | null =>
  kind === 'htex' ? null : kind === 'exex-mpich' ? 'mpich' : 'openmpi';

/** Why `kind` cannot run here, or null. */
export function runMissing(kind: RunKind): string | null {
  const flavor = flavorOf(kind);
  return flavor === null ? null : addonMissing(flavor);
}

export interface RunOptions {
  /** Blocks kept (initBlocks = minBlocks = maxBlocks). @default 2 */
  readonly blocks?: number;
  /** @default 0 */
  readonly retries?: number;
  /** Workers per HTEX pool, ranks per MPI pool. @default 2 for HTEX, 4 for MPI */
  readonly slots?: number;
  /** Seconds a stopped MPI rank may stay silent. @default 2 */
  readonly hungRankThreshold?: number;
  /**
   * MPI runs: shell run by every rank before the pool starts, with the rank in `$RANK` and the block's
   * submit-script directory in `$SCRIPT_DIR` (e.g. to stop one rank before MPI starts).
   */
  readonly beforeRank?: string;
}

export interface Run {
  readonly kind: RunKind;
  readonly ex: HighThroughputExecutor;
  readonly runDir: string;
  readonly dfk: parsl.DataFlowKernel;
  /** Every live process of the run. */
  processes(): number[];
}

/** Loads a kernel with one executor of `kind`, whose blocks the strategy keeps at `blocks` (replacing lost ones). */
export async function startRun(name: string, kind: RunKind, o: RunOptions = {}): Promise<Run> {
  const { runDir } = freshRunDir(`${name}-${kind}`);
  const blocks = o.blocks ?? 2;
  const flavor = flavorOf(kind);
  const provider = new LocalProvider({
    launcher: new SimpleLauncher({ debug: false }),
    initBlocks: blocks,
    minBlocks: blocks,
    maxBlocks: blocks,
    statusPollingInterval: 100,
    ...(flavor === null ? {} : { workerInit: OMPI_ENV }),
  });
  const common = { label: kind, address: '127.0.0.1', encrypted: false, ...FAST, provider };
  const ex: HighThroughputExecutor =
    flavor === null
      ? new HighThroughputExecutor({ ...common, maxWorkersPerNode: o.slots ?? 2 })
      : new ExtremeScaleExecutor({
          ...common,
          ranksPerNode: o.slots ?? 4,
          mpi: flavor,
          mpiLauncher:
            o.beforeRank === undefined
              ? mpiexecFor(flavor)
              : `${mpiexecFor(flavor)} bash -c 'RANK=\${OMPI_COMM_WORLD_RANK:-$PMI_RANK}; ${o.beforeRank}; exec "$@"' rank`,
          hungRankThreshold: o.hungRankThreshold ?? 2,
        });
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [ex as Executor],
      runDir,
      retries: o.retries ?? 0,
      strategy: 'simple',
      strategyPeriod: 0.2,
    }),
  );
  return { kind, ex, runDir, dfk, processes: () => processesOfRun(runDir) };
}

/** After a test: unload the kernel if it is still loaded, and SIGKILL (and name) whatever of the run is left. */
export async function endRun(run: Run | undefined): Promise<string[]> {
  if (run === undefined) return [];
  await run.dfk.cleanup().catch(() => {});
  return killAndDescribe(run.processes());
}

/** What is alive of the run right now, as "pid command" lines (for an assertion message). */
export function leftNow(run: Run): string[] {
  return describeProcesses(run.processes());
}

/** Worker processes of the run a killer may target: HTEX workers and pools, or MPI ranks. */
export interface Target {
  readonly pid: number;
  readonly what: 'worker' | 'pool' | 'rank';
  readonly block: string;
}

export function targets(run: Run): Target[] {
  const out: Target[] = [];
  for (const pid of run.processes()) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('node')) continue;
    const blockArg = argv.findIndex((a) => a === '--block-id' || a.startsWith('--block-id='));
    if (blockArg < 0) continue;
    const block = argv[blockArg]!.includes('=') ? argv[blockArg]!.split('=')[1]! : (argv[blockArg + 1] ?? '');
    if (argv.includes('mpi-worker-pool')) out.push({ pid, what: 'rank', block });
    else if (argv.includes('worker-pool')) out.push({ pid, what: 'pool', block });
    else if (argv.some((a) => a.endsWith('/worker.js'))) out.push({ pid, what: 'worker', block });
  }
  return out;
}
