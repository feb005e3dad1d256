import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, ExecutorContext, ExecutorTask, TaskOutcome } from 'parsl-ts';
import { getLogger } from 'parsl-ts';
import { describeFunction } from '#internal';

let nextId = 1;

/** An ExecutorTask as the kernel would build it (arguments already resolved). */
export function jsTask(
  // biome-ignore lint/complexity/noBannedTypes: any app body
  func: Function,
  args: unknown[] = [],
  resourceSpecification: Record<string, unknown> = {},
): ExecutorTask {
  return {
    id: nextId++,
    tryId: 0,
    appName: func.name || 'anonymous',
    kind: 'js',
    func,
    fn: describeFunction(func),
    args,
    walltimeMs: null,
    bash: null,
    resourceSpecification,
  };
}

export function run(e: Executor, t: ExecutorTask): Promise<TaskOutcome> {
  return new Promise((resolve) => e.submit(t, resolve));
}

/** A fresh run directory whose path is a marker unique to this test (found in every process's command line). */
export function freshRunDir(name: string): { runDir: string; marker: string; ctx: ExecutorContext } {
  const runDir = mkdtempSync(join(tmpdir(), `parsl-ts-htex-${name}-`));
  return { runDir, marker: runDir, ctx: { runDir, runId: name, logger: getLogger(`test.${name}`) } };
}

/** PIDs of processes whose command line contains `marker` (excluding pgrep itself). */
export function processesWith(marker: string): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', '--', marker], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== process.pid);
  } catch {
    return [];
  }
}

export async function eventually<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = new Error(`${what} was ${String(v)}`);
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${(last as Error)?.message}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Kill whatever is left with this marker (a failing test must not leak processes into the next). */
export function killAll(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

import type { HtexOptions } from 'parsl-ts';
import { HighThroughputExecutor, LocalProvider, SimpleLauncher } from 'parsl-ts';

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
        await eventually(() => processesWith(marker).length === 0, {
          what: `no process of ${marker} left`,
          timeoutMs: 10_000,
        });
      } finally {
        killAll(marker);
      }
    },
  };
}

export function errorOf(o: TaskOutcome): Error {
  if (o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o.value)}`);
  return o.error;
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
  const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-barrier-'));
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
  const reports = outs.map((o) => {
    if (!o.ok) throw o.error;
    return o.value as WorkerReport;
  });
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
