// ExtremeScaleExecutor pools on this host for the exex suites, and the MPI ranks and block processes they run.
import { readFileSync } from 'node:fs';
import * as parsl from 'parsl-ts';
import { ExtremeScaleExecutor, type ExtremeScaleOptions, LocalProvider, SimpleLauncher } from 'parsl-ts';
import { freshRunDir } from '../helpers/executors.js';
import { type Flavor, mpiexecFor, OMPI_ENV } from '../helpers/mpi.js';
import { commandOf, expectNoProcessLeft, killAll, processesWith } from '../helpers/processes.js';

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
        await expectNoProcessLeft(marker);
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
  return processesWith(marker).filter((pid) => commandOf(pid).split(' ').includes(`--block-id=${block}`));
}
