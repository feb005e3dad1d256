// An HTEX on this host for a test: pools started by a LocalProvider, and the checks made of what its workers see.
import { HighThroughputExecutor, type HtexOptions, LocalProvider, SimpleLauncher } from 'parsl-ts';
import { eventually } from './eventually.js';
import { freshRunDir, jsTask, resultOf, run } from './executors.js';
import { tempDir } from './paths.js';
import { expectNoProcessLeft, killAll } from './processes.js';

/** Short heartbeats so loss is detected in about a second. */
export const FAST_HEARTBEATS = { heartbeatPeriod: 0.2, heartbeatThreshold: 1.5 } as const;

export interface Started {
  readonly ex: HighThroughputExecutor;
  readonly runDir: string;
  readonly marker: string;
  /** Shut down, then prove that no process of this run is left. */
  cleanup(): Promise<void>;
}

export async function startHtex(
  name: string,
  opts: HtexOptions & {
    blocks?: number;
    providerOptions?: ConstructorParameters<typeof LocalProvider>[0];
  } = {},
): Promise<Started> {
  const { blocks = 1, providerOptions = {}, ...htex } = opts;
  const { runDir, marker, ctx } = freshRunDir(name);
  const ex = new HighThroughputExecutor({
    label: 'htex',
    address: '127.0.0.1',
    maxWorkersPerNode: 2,
    provider: new LocalProvider({
      launcher: new SimpleLauncher({ debug: false }),
      initBlocks: 0,
      statusPollingInterval: 100,
      ...providerOptions,
    }),
    ...htex,
  });
  await ex.start(ctx);
  if (blocks > 0) await ex.scaleOut(blocks);
  return {
    ex,
    runDir,
    marker,
    async cleanup() {
      try {
        await ex.shutdown();
        await expectNoProcessLeft(marker);
      } finally {
        killAll(marker);
      }
    },
  };
}

/** What a task sees of its own placement: its rank, the CPUs it may run on, and the placement variables. */
export interface WorkerReport {
  readonly rank: string;
  readonly poolId: string;
  readonly blockId: string;
  readonly count: string;
  readonly cpus: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Run one task on each of `workers` workers and return their reports by rank. Each task waits until all of them
 * have started, so no worker can take two (no reliance on how the pool happens to spread tasks).
 */
export async function reportFromEveryWorker(
  ex: HighThroughputExecutor,
  workers: number,
): Promise<WorkerReport[]> {
  const dir = tempDir('barrier').path;
  const report = async (barrier: string, n: number, names: string[]) => {
    const fs = require('node:fs');
    fs.writeFileSync(`${barrier}/${process.env.PARSL_WORKER_RANK}`, '');
    while (fs.readdirSync(barrier).length < n) await new Promise((r) => setTimeout(r, 10));
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    return {
      rank: process.env.PARSL_WORKER_RANK,
      poolId: process.env.PARSL_WORKER_POOL_ID,
      blockId: process.env.PARSL_WORKER_BLOCK_ID,
      count: process.env.PARSL_WORKER_COUNT,
      cpus: /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1],
      env: Object.fromEntries(names.map((k) => [k, process.env[k]])),
    };
  };
  const outs = await Promise.all(
    Array.from({ length: workers }, () => run(ex, jsTask(report, [dir, workers, PLACEMENT_VARIABLES]))),
  );
  const reports = outs.map((o) => resultOf(o) as WorkerReport);
  return reports.sort((a, b) => Number(a.rank) - Number(b.rank));
}

/** Every variable Parsl sets to place a worker on CPUs or accelerators. */
export const PLACEMENT_VARIABLES = [
  'OMP_NUM_THREADS',
  'GOMP_CPU_AFFINITY',
  'KMP_AFFINITY',
  'CUDA_VISIBLE_DEVICES',
  'ROCR_VISIBLE_DEVICES',
  'ZE_AFFINITY_MASK',
  'ZE_ENABLE_PCI_ID_DEVICE_ORDER',
];

/** Ask the block error handler until the executor gives up on its blocks; returns the error it failed with. */
export async function blockFailure(ex: HighThroughputExecutor): Promise<Error> {
  return eventually(
    async () => {
      await ex.pollStatus(true);
      ex.handleErrors();
      return ex.badState();
    },
    { what: 'the executor to fail its blocks' },
  );
}
