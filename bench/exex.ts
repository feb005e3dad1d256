/**
 * ExtremeScaleExecutor benchmark (same harness as bench/htex.ts), per MPI flavour found:
 *
 *   npm run build && node --import tsx bench/exex.ts [--flavor openmpi|mpich]
 *
 * Prints one JSON object with, per flavour:
 * - throughput: 50,000 no-op tasks through interchange → rank 0 → 3 worker ranks (tasks/s);
 * - roundTrip: 500 sequential tasks (median, p90, p99, split at the worker into the way down and back);
 *   roundTripApp: the same through the public API (kernel, app, future);
 * - sleep: 2,000 × 10 ms sleeps on 3 worker ranks (efficiency = ideal time / measured time);
 * - dispatch: CPU per task of rank 0's C++ dispatcher core (submit → per-rank batch → complete), 1 M tasks;
 * - pathFloor: the same process chain (executor → interchange → rank 0 → worker) with bare transports and no
 *   work (bench/path-floor.ts, a pipe standing in for the last MPI hop): what no implementation can beat here.
 * Tasks go through `executor.submit()` directly, so the numbers are the executor's, not the kernel's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExtremeScaleExecutor, getLogger } from 'parsl-ts';
import { loadAddon, parseTaskBatch } from '#internal';
import { appRoundTrips, localExex, outcomeValue, round, roundTrips, stamp, submit, task } from './harness.js';
import { pathFloor } from './path-floor.js';

type Flavor = 'openmpi' | 'mpich';
const TARGETS = { tasksPerSecond: 50_000, medianLatencyMs: 0.3, efficiency: 0.97, dispatchMicrosPerTask: 2 };
const DEFAULT_POLLING = { spinMicros: 50, maxSleepMicros: 1000 };

function newExecutor(label: string, flavor: Flavor, polling: { spinMicros: number; maxSleepMicros: number }) {
  return localExex(flavor, { label, ranksPerNode: 4, mpiPolling: polling });
}

async function executorWorkloads(
  runDir: string,
  flavor: Flavor,
  polling: { spinMicros: number; maxSleepMicros: number },
) {
  const ex = newExecutor(`exex-${flavor}`, flavor, polling);
  await ex.start({ runDir, runId: flavor, logger: getLogger('bench') });
  await ex.scaleOut(1);
  try {
    const noop = () => null;
    const sleep10 = () => new Promise((r) => setTimeout(r, 10));
    await Promise.all(Array.from({ length: 5000 }, () => submit(ex, task(noop))));
    const N = 50_000;
    let t0 = performance.now();
    let outs = await Promise.all(Array.from({ length: N }, () => submit(ex, task(noop))));
    const secs = (performance.now() - t0) / 1000;
    if (!outs.every((o) => o.ok)) throw new Error('a no-op task failed');
    const throughput = {
      tasks: N,
      workerRanks: 3,
      seconds: round(secs),
      tasksPerSecond: Math.round(N / secs),
    };
    const roundTrip = await roundTrips(() => submit(ex, task(stamp)).then(outcomeValue));
    await Promise.all(Array.from({ length: 60 }, () => submit(ex, task(sleep10))));
    const S = 2000;
    t0 = performance.now();
    outs = await Promise.all(Array.from({ length: S }, () => submit(ex, task(sleep10))));
    const sleepSecs = (performance.now() - t0) / 1000;
    const ideal = (S * 10) / 1000 / 3;
    t0 = performance.now();
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let i = 0; i < S / 3; i++) await sleep10();
      }),
    );
    const ceiling = ideal / ((performance.now() - t0) / 1000);
    const sleep = {
      tasks: S,
      sleepMs: 10,
      workerRanks: 3,
      seconds: round(sleepSecs),
      idealSeconds: round(ideal),
      efficiency: round(ideal / sleepSecs),
      inProcessCeiling: round(ceiling),
    };
    const idle = await idleCpu(runDir);
    return { throughput, roundTrip, sleep, idle };
  } finally {
    await ex.shutdown();
  }
}

/** The same round trips through the public API (kernel, app, future) on a fresh pool. */
function kernelRoundTrips(
  runDir: string,
  flavor: Flavor,
  polling: { spinMicros: number; maxSleepMicros: number },
) {
  return appRoundTrips(
    newExecutor(`exex-app-${flavor}`, flavor, polling),
    join(runDir, `app-${flavor}`),
    async (ex) => {
      await (ex as ExtremeScaleExecutor).scaleOut(1);
    },
  );
}

/** CPU share of each node rank of the pool while no task runs (3 s after 1 s of quiet). */
async function idleCpu(runDir: string) {
  const pids = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
        return cmd.startsWith(process.execPath) && cmd.includes('mpi-worker-pool') && cmd.includes(runDir);
      } catch {
        return false;
      }
    });
  const ticks = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  await new Promise((r) => setTimeout(r, 1000));
  const before = pids.map(ticks);
  await new Promise((r) => setTimeout(r, 3000));
  const share = pids.map((p, i) => round((ticks(p) - before[i]!) / 100 / 3, 4));
  return { ranks: pids.length, cpuShareOfACorePerRank: share };
}

/** CPU of the C++ core alone (no MPI): submit 1 M 64-byte tasks, take per-rank batches, complete them. */
function dispatchCost(flavor: Flavor) {
  const { addon } = loadAddon({ flavor });
  const d = new addon.Dispatcher({ maxBatchTasks: 512, maxBatchBytes: 1 << 20 });
  for (const r of [1, 2, 3]) d.setCapacity(r, 256);
  const data = Buffer.alloc(64, 7);
  const N = 1_000_000;
  const CHUNK = 768;
  let coreMicros = 0;
  let id = 1;
  const wall = performance.now();
  while (id <= N) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < CHUNK && id <= N; i++) d.submit(id++, data);
    const batches = d.nextBatches();
    let c = process.cpuUsage(c0);
    coreMicros += c.user + c.system;
    const done = batches.map((b) => ({
      rank: b.rank,
      ids: Float64Array.from(parseTaskBatch(b.payload), (t) => t.id),
    }));
    const c1 = process.cpuUsage();
    for (const b of done) d.complete(b.rank, b.ids);
    c = process.cpuUsage(c1);
    coreMicros += c.user + c.system;
  }
  return {
    tasks: N,
    bytesPerTask: 64,
    microsPerTask: round(coreMicros / N),
    wallSecondsIncludingParse: round((performance.now() - wall) / 1000),
  };
}

const only = process.argv.includes('--flavor') ? process.argv[process.argv.indexOf('--flavor') + 1] : null;
const flavors = (['openmpi', 'mpich'] as Flavor[]).filter(
  (f) =>
    (only === null || only === f) &&
    existsSync(join(import.meta.dirname, '..', 'build', f, 'Release', 'parsl_mpi.node')),
);
const runDir = mkdtempSync(join(tmpdir(), 'parsl-bench-exex-'));
const results: Record<string, unknown> = {};
const floor = await pathFloor();
try {
  for (const f of flavors) {
    results[f] = {
      defaultPolling: await executorWorkloads(runDir, f, DEFAULT_POLLING),
      roundTripApp: await kernelRoundTrips(runDir, f, DEFAULT_POLLING),
      // Latency-tuned: ranks poll for 20 ms after activity and sleep at most 50 µs (more idle CPU).
      lowLatencyPolling: await executorWorkloads(runDir, f, { spinMicros: 20_000, maxSleepMicros: 50 }),
      // (Almost) no spin: an idle rank sleeps after 1 µs (ranks of one node ring each other's doorbells when they send).
      noSpinPolling: await executorWorkloads(runDir, f, { spinMicros: 1, maxSleepMicros: 1000 }),
      dispatch: dispatchCost(f),
    };
  }
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      benchmark: 'exex',
      targets: TARGETS,
      cores: (await import('node:os')).cpus().length,
      loadAverage: (await import('node:os')).loadavg(),
      pathFloor: floor,
      results,
    },
    null,
    2,
  ),
);
process.exit(0);
