import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as parsl from 'parsl-ts';
import { ExtremeScaleExecutor, type ExtremeScaleOptions, LocalProvider, SimpleLauncher } from 'parsl-ts';
import { eventually, freshRunDir, killAll, processesWith } from '../helpers/htex.js';

export { errorOf, eventually, jsTask, processesWith, run } from '../helpers/htex.js';

export type Flavor = 'openmpi' | 'mpich';
export const FLAVORS: Flavor[] = ['openmpi', 'mpich'];
const root = resolve(import.meta.dirname, '../..');

/** Open MPI as root needs these, and --oversubscribe when ranks outnumber cores (2 here). */
export const OMPI_ENV =
  'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 NODE_OPTIONS=--force-node-api-uncaught-exceptions-policy=true';

export function mpiexecFor(flavor: Flavor): string {
  return flavor === 'openmpi' ? 'mpiexec.openmpi --oversubscribe -n {ranks}' : 'mpiexec.mpich -n {ranks}';
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));
}

/** Why `flavor` cannot be tested here, or null. Under CI=true the caller must fail instead of skipping. */
export function missing(flavor: Flavor): string | null {
  if (!onPath(`mpiexec.${flavor}`)) return `mpiexec.${flavor} not found (bash scripts/setup-mpi.sh)`;
  if (!existsSync(join(root, 'build', flavor, 'Release', 'parsl_mpi.node')))
    return `the ${flavor} addon is not built (npm run build:native)`;
  return null;
}

/** Under CI a missing MPI is a failure; elsewhere a skip that says what to install. */
export function skipUnlessAvailable(flavor: Flavor): boolean {
  const why = missing(flavor);
  if (why === null) return false;
  if (process.env.CI === 'true') throw new Error(`MPI ${flavor} is required under CI: ${why}`);
  console.warn(`[test/exex] skipping ${flavor}: ${why}`);
  return true;
}

/** Short heartbeats so a lost pool is noticed within seconds. */
export const FAST = { heartbeatPeriod: 0.3, heartbeatThreshold: 3 } as const;

export interface StartedExex {
  readonly ex: ExtremeScaleExecutor;
  readonly runDir: string;
  readonly marker: string;
  /** The kernel, when started with `kernel` options (the executor then runs under parsl.load). */
  readonly dfk: { cleanup(): Promise<void> } | null;
  cleanup(): Promise<void>;
}

export async function startExex(
  name: string,
  flavor: Flavor,
  opts: ExtremeScaleOptions & { blocks?: number; kernel?: { retries: number } } = {},
): Promise<StartedExex> {
  const { blocks = 1, kernel, ...rest } = opts;
  const { runDir, marker, ctx } = freshRunDir(`exex-${name}-${flavor}`);
  const ex = new ExtremeScaleExecutor({
    label: 'exex',
    address: '127.0.0.1',
    encrypted: false,
    ranksPerNode: 4,
    mpi: flavor,
    mpiLauncher: mpiexecFor(flavor),
    ...FAST,
    provider: new LocalProvider({
      launcher: new SimpleLauncher({ debug: false }),
      workerInit: OMPI_ENV,
      initBlocks: 0,
      maxBlocks: 4,
      statusPollingInterval: 100,
    }),
    ...rest,
  });
  const dfk = kernel
    ? await parsl.load(
        new parsl.Config({ executors: [ex], runDir, retries: kernel.retries, strategy: 'none' }),
      )
    : null;
  if (dfk === null) await ex.start(ctx);
  if (blocks > 0) await ex.scaleOut(blocks);
  return {
    ex,
    runDir,
    marker,
    dfk,
    async cleanup() {
      try {
        await dfk?.cleanup();
        await ex.shutdown();
        await eventually(() => processesWith(marker).length === 0, {
          what: `no process of ${marker} left`,
          timeoutMs: 15_000,
        });
      } finally {
        killAll(marker);
      }
    },
  };
}

/** Node processes of MPI pools of this run: pid, MPI rank and block id (from the environment and argv). */
export function poolRanks(marker: string): { pid: number; rank: number; block: string }[] {
  const out: { pid: number; rank: number; block: string }[] = [];
  for (const pid of processesWith(marker)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      if (!cmd[0]?.endsWith('node') || !cmd.includes('mpi-worker-pool')) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      const rank = /(?:^|\0)(?:OMPI_COMM_WORLD_RANK|PMI_RANK)=(\d+)/.exec(env)?.[1];
      const block = cmd.find((a) => a.startsWith('--block-id='))?.slice('--block-id='.length);
      if (rank !== undefined && block !== undefined) out.push({ pid, rank: Number(rank), block });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Every process of this run that belongs to `block` (its ranks, mpiexec, the block's shell). */
export function blockProcesses(marker: string, block: string): number[] {
  return processesWith(marker).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(`--block-id=${block}`);
    } catch {
      return false;
    }
  });
}
