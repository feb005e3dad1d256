/**
 * Rank 0's part of bench/in-allocation.ts, run as `mpiexec -n 4 parsl-ts run workload.ts <noop> <trips> <runDir>`:
 * the same four measurements as the mpi4py peers, through the public API (apps and the DataFlowKernel) and, to
 * show what the kernel adds, straight into the executor. Prints one line `RESULT {json}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as parsl from 'parsl-ts';
import { outcomeValue, percentile, round, roundTrips, stamp, submit, task, wallMs } from '../harness.js';

const [nNoop = 50_000, nTrips = 500] = process.argv.slice(2, 4).map(Number);
const runDir = process.argv[4] ?? 'runinfo';
const options = JSON.parse(process.argv[5] ?? '{}') as parsl.MPICommExecutorOptions;

const ex = new parsl.MPICommExecutor(options);
await parsl.load({ executors: [ex], runDir });
// Since this process started (Node start-up, imports, MPI_Init on every rank, the executor ready).
const loadedMs = performance.now();
const workers = ex.workers;

const noop = () => 0;
const nap = () => new Promise((r) => setTimeout(r, 10));
const pidAfter = (ms: number) => new Promise<number>((r) => setTimeout(() => r(process.pid), ms));
const rankMemory = () => ({ pid: process.pid, rss: process.memoryUsage().rss });
const noopApp = parsl.app(noop);
const napApp = parsl.app(nap);
const pidApp = parsl.app(pidAfter);
const memoryApp = parsl.app(rankMemory);
const stampApp = parsl.app(stamp);

/** The pids of every worker rank, found with tasks of at least 20 ms each (so one rank cannot take them all). */
async function workerPids(): Promise<Set<number>> {
  const pids = new Set<number>();
  while (pids.size < workers)
    for (const p of await Promise.all(Array.from({ length: 3 * workers }, () => pidApp(20)))) pids.add(p);
  return pids;
}

/** Until every worker rank has run a task, in ms. */
async function everyRankServed(): Promise<number> {
  const t = performance.now();
  await workerPids();
  return performance.now() - t;
}

/** Resident memory of rank 0 and of each worker rank (median and largest), in MB. */
async function memoryPerRank() {
  const rss = new Map<number, number>();
  for (let tries = 0; rss.size < workers && tries < 20; tries++)
    for (const m of await Promise.all(Array.from({ length: 3 * workers }, () => memoryApp())))
      rss.set(m.pid, m.rss);
  const mb = [...rss.values()].map((b) => b / 2 ** 20).sort((a, b) => a - b);
  return {
    rank0MB: round(process.memoryUsage().rss / 2 ** 20, 1),
    workerMedianMB: round(percentile(mb, 50), 1),
    workerMaxMB: round(mb[mb.length - 1] ?? 0, 1),
    workersMeasured: mb.length,
  };
}

async function rate(n: number, many: (n: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await many(n);
  return Math.round(n / ((performance.now() - t) / 1000));
}

async function efficiency(many: (n: number) => Promise<unknown>): Promise<number> {
  const n = 100 * workers;
  const t = performance.now();
  await many(n);
  return round((n * 10) / workers / (performance.now() - t), 4);
}

/** How a measurement submits: through the apps (the kernel) or straight into the executor. */
interface Via {
  /** One task that returns the worker's clock when its body ran (CLOCK_MONOTONIC, ms). */
  stamped: () => PromiseLike<unknown>;
  noops: (n: number) => Promise<unknown>;
  naps: (n: number) => Promise<unknown>;
}
const viaApps: Via = {
  stamped: () => stampApp(),
  noops: (n: number) => Promise.all(Array.from({ length: n }, () => noopApp())),
  naps: (n: number) => Promise.all(Array.from({ length: n }, () => napApp())),
};
const viaExecutor: Via = {
  stamped: async () => outcomeValue(await submit(ex, task(stamp))),
  noops: (n: number) => Promise.all(Array.from({ length: n }, () => submit(ex, task(noop)))),
  naps: (n: number) => Promise.all(Array.from({ length: n }, () => submit(ex, task(nap)))),
};

async function measure(via: Via, pids: Set<number>) {
  await via.noops(2_000); // warm-up: functions reach the ranks, JIT, capacity settles
  // Split at the worker into the way down and back, with the slow trips that overlapped a GC pause of rank 0
  // (bench/harness.ts); `roundTripMs` keeps the shape the peers print.
  const roundTripDetail = await roundTrips(via.stamped, nTrips);
  const roundTripMs = { median: roundTripDetail.medianMs, p99: roundTripDetail.p99Ms };
  const cpu0 = cpuMicros(pids);
  const noopTasksPerSecond = await rate(nNoop, via.noops);
  const cpu1 = cpuMicros(pids);
  return {
    roundTripMs,
    roundTripDetail,
    noopTasksPerSecond,
    // Every thread of the process; the workers' sum is over all worker ranks (the model's inputs, docs/scale.md).
    cpuPerTaskUs: Object.fromEntries(
      (['js', 'mpi', 'other', 'workers'] as const).map((k) => [k, round((cpu1[k] - cpu0[k]) / nNoop, 2)]),
    ),
    sleep10msEfficiency: await efficiency(via.naps),
  };
}

/** utime + stime from a /proc stat line, in µs (clock ticks of 10 ms). */
const ticksMicros = (stat: string) => {
  const f = stat.split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 1e4;
};
/** utime + stime of every thread of `pid`, in s (clock ticks of 10 ms). */
const cpuSeconds = (pid: number) => ticksMicros(readFileSync(`/proc/${pid}/stat`, 'utf8')) / 1e6;

/** CPU used so far by rank 0's threads (the JS thread, the MPI progress thread, the rest: GC, libuv) and by the
 * worker ranks together, in µs. */
function cpuMicros(pids: Set<number>) {
  const threads = { js: 0, mpi: 0, other: 0 };
  for (const tid of readdirSync('/proc/self/task')) {
    const us = ticksMicros(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'));
    if (Number(tid) === process.pid) threads.js += us;
    else if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'parsl-mpi') threads.mpi += us;
    else threads.other += us;
  }
  let workers = 0;
  for (const p of pids) workers += cpuSeconds(p) * 1e6;
  return { ...threads, workers };
}

/**
 * The efficiency a worker that did nothing but `sleep` back to back would reach: 10 ms over the mean of 200
 * sequential sleeps on this (idle) rank. A 10 ms `setTimeout` fires on libuv's millisecond clock, so it takes
 * 10.2–10.3 ms here, and no executor can beat that ratio with it.
 */
async function sleepCeilingOf(sleep: () => Promise<unknown>): Promise<number> {
  const n = 200;
  const t = performance.now();
  for (let i = 0; i < n; i++) await sleep();
  return round((n * 10) / (performance.now() - t), 4);
}

async function idleRankCpuPercent(pids: Set<number>): Promise<number> {
  const before = new Map([...pids].map((p) => [p, cpuSeconds(p)]));
  const idleMs = 3_000;
  await new Promise((r) => setTimeout(r, idleMs));
  return round(
    Math.max(...[...pids].map((p) => ((cpuSeconds(p) - before.get(p)!) / (idleMs / 1000)) * 100)),
    2,
  );
}

type HopStats = Pick<
  ReturnType<parsl.Communicator['stats']>,
  'hostToMpiMicros' | 'hostToMpiHandoffs' | 'mpiToHostMicros' | 'mpiToHostDeliveries'
>;
/** A worker rank's progress-engine counters (sent by source: it imports what it needs). */
const rankStats = async () => {
  const { Communicator } = await import('parsl-ts');
  return { pid: process.pid, stats: Communicator.current()?.stats() ?? null };
};
async function workerStats(): Promise<Map<number, HopStats>> {
  const byPid = new Map<number, HopStats>();
  for (let tries = 0; byPid.size < workers && tries < 20; tries++)
    for (const o of await Promise.all(Array.from({ length: 3 * workers }, () => submit(ex, task(rankStats)))))
      if (o.ok) {
        const v = o.value as { pid: number; stats: HopStats };
        byPid.set(v.pid, v.stats);
      }
  return byPid;
}
const hopMeanUs = (a: HopStats, b: HopStats) => ({
  hostToMpi: round(
    (b.hostToMpiMicros - a.hostToMpiMicros) / Math.max(1, b.hostToMpiHandoffs - a.hostToMpiHandoffs),
    1,
  ),
  mpiToHost: round(
    (b.mpiToHostMicros - a.mpiToHostMicros) / Math.max(1, b.mpiToHostDeliveries - a.mpiToHostDeliveries),
    1,
  ),
});

/**
 * Sequential round trips straight into the executor, split on CLOCK_MONOTONIC at the moment the body runs on its
 * worker rank, with the mean delay of each in-process hand-off (JS → MPI progress thread → JS) on rank 0 and on
 * the worker ranks over the same round trips (the workers' counters include the few stats tasks).
 */
async function splitRoundTrips() {
  const comm = parsl.Communicator.current();
  const w0 = await workerStats();
  const r0 = comm?.stats();
  const down: number[] = [];
  const back: number[] = [];
  for (let i = 0; i < nTrips; i++) {
    const t0 = wallMs();
    const ran = outcomeValue(await submit(ex, task(stamp))) as number;
    const t1 = wallMs();
    down.push((ran - t0) * 1000);
    back.push((t1 - ran) * 1000);
  }
  const r1 = comm?.stats();
  const w1 = await workerStats();
  const med = (xs: number[]) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      ),
      1,
    );
  const workersUs = [...w1].filter(([pid]) => w0.has(pid)).map(([pid, s]) => hopMeanUs(w0.get(pid)!, s));
  return {
    downMedianUs: med(down),
    backMedianUs: med(back),
    rank0HopsUs: r0 && r1 ? hopMeanUs(r0, r1) : null,
    workerHopsUs: workersUs,
  };
}

const startup = { loadedMs: round(loadedMs, 0), everyRankServedMs: round(await everyRankServed(), 0) };
const memory = await memoryPerRank();
// Tasks submitted straight to the executor are not the kernel's: hold the process while they run.
const hold = setInterval(() => {}, 1 << 30);
const pids = await workerPids();
const executor = await measure(viaExecutor, pids);
const split = await splitRoundTrips();
clearInterval(hold);
const apps = await measure(viaApps, pids);
const idle = await idleRankCpuPercent(pids);
const sleepCeiling = await sleepCeilingOf(nap);
await parsl.dfk().cleanup();
console.log(
  `RESULT ${JSON.stringify({ workers, options, startup, memory, apps, executor, split, idleRankCpuPercent: idle, sleep10msCeiling: sleepCeiling })}`,
);
