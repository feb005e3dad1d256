/**
 * Monitoring benchmark: what monitoring costs a workflow, what the writer sustains, and how the read module
 * answers on a million-task database, with the baselines measured in the same run.
 *
 *   npm run build && testslot --exclusive node --import tsx bench/monitoring.ts [--tasks 1000000] [--quick]
 *     [--only throughput,throughput1ms,writer,idle,database] [--rounds 3]
 *
 * Prints one JSON object:
 * - throughput: no-op tasks/s through the kernel with monitoring off, on (no sampling) and on with 1 s sampling,
 *   on the thread pool and on HTEX (best of `--rounds` rounds each, alternating), the ratios of the best rates
 *   and those within each round, how long cleanup took to drain the writer afterwards, and the CPU per task of
 *   each part of the run; throughput1ms: the same with tasks of 1 ms;
 * - writer: rows and Parsl-equivalent messages per second written by the store the writer thread runs;
 * - database: a synthetic run of `--tasks` tasks written through the same store: bytes per task, and p50/p95 of
 *   every read-module query;
 * - idle: CPU of the whole process (kernel, threads, writer) over an idle window, monitoring on vs off.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as parsl from 'parsl-ts';
import { writeSyntheticRun } from '../test/helpers/monitoring-db.js';
import { percentile, round } from './harness.js';
import { type CpuByRole, cpuByRole, cpuSince } from './proc-cpu.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const DB_TASKS = flag('--tasks', quick ? 100_000 : 1_000_000);
const THROUGHPUT_TASKS = quick ? 20_000 : 50_000;
const HTEX_TASKS = quick ? 10_000 : 30_000;
const QUERY_RUNS = 40;
/** Alternating rounds of every throughput mode; the best rate of each mode gives the ratios. */
const ROUNDS = flag('--rounds', 3);
const IDLE_MS = quick ? 2_000 : 5_000;
const TARGETS = {
  ratioNoSampling: 0.9,
  ratioSampling1s: 0.8,
  writerMessagesPerSecond: 50_000,
  bytesPerTask: 1024,
  queryP95Ms: 200,
  idleCorePercent: 2,
};

const base = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-monitoring-'));
let runs = 0;

type Mode = 'off' | 'on' | 'sampling1s';

function hub(mode: Mode): parsl.MonitoringHub | null {
  if (mode === 'off') return null;
  return new parsl.MonitoringHub({
    loggingEndpoint: join(base, `throughput-${runs}.db`),
    resourceMonitoringEnabled: mode === 'sampling1s',
    resourceMonitoringInterval: 1,
  });
}

function executor(kind: 'threads' | 'htex'): parsl.Executor {
  if (kind === 'threads') return new parsl.ThreadPoolExecutor({ maxThreads: 2 });
  return new parsl.HighThroughputExecutor({
    label: 'htex',
    address: '127.0.0.1',
    maxWorkersPerNode: 2,
    // One block, started below: with initBlocks 1 as well, the runs had two pools (4 workers on 2 cores).
    provider: new parsl.LocalProvider({ initBlocks: 0, statusPollingInterval: 0.2 }),
  });
}

/** The role of an HTEX process, from its command line. */
function htexRole(cmd: string): string | null {
  if (cmd.includes(' interchange ')) return 'interchange';
  if (cmd.includes(' worker-pool ')) return 'worker pools';
  if (cmd.includes('/worker.js ')) return 'workers';
  return null;
}

/**
 * Tasks per second of `n` tasks (no-ops, or busy for `taskMs` each), how long cleanup (which drains the
 * writer) took, and the CPU each role spent per task meanwhile (µs; Linux only).
 */
async function throughput(kind: 'threads' | 'htex', mode: Mode, n: number, taskMs = 0) {
  runs++;
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [executor(kind)],
      runDir: join(base, `runinfo-${runs}`),
      strategy: 'none',
      monitoring: hub(mode),
    }),
  );
  try {
    if (kind === 'htex') {
      const ex = dfk.executors.get('htex') as parsl.HighThroughputExecutor;
      await ex.scaleOut(1);
    }
    const noop = parsl.app((x: number, ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
      return x;
    });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => noop(i, 0))); // warm up
    const runDir = join(base, `runinfo-${runs}`);
    const cpu0 = procCpu ? cpuByRole(runDir, htexRole) : {};
    const t0 = performance.now();
    const all = new Array(n);
    for (let i = 0; i < n; i++) all[i] = noop(i, taskMs);
    await Promise.all(all);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = procCpu ? perTask(cpuSince(cpu0, cpuByRole(runDir, htexRole)), n) : null;
    const c0 = performance.now();
    await dfk.cleanup();
    return {
      tasksPerSecond: n / seconds,
      cleanupSeconds: (performance.now() - c0) / 1000,
      cpuUsPerTask: cpu,
    };
  } finally {
    parsl.clear();
  }
}

const procCpu = process.platform === 'linux';

/** µs per task per role, and their total. */
function perTask(ms: CpuByRole, n: number): CpuByRole {
  const out: CpuByRole = {};
  let total = 0;
  for (const [k, v] of Object.entries(ms)) {
    out[k] = round((v * 1000) / n, 1);
    total += v;
  }
  out.total = round((total * 1000) / n, 1);
  return out;
}

async function throughputs(kind: 'threads' | 'htex', n: number, modes: Mode[], taskMs = 0) {
  const best: Record<
    string,
    { tasksPerSecond: number; cleanupSeconds: number; cpuUsPerTask: CpuByRole | null }
  > = {};
  // Each round's rate per mode: the rounds alternate modes, so a ratio within a round compares neighbours.
  const perRound: Record<string, number>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const rates: Record<string, number> = {};
    for (const m of modes) {
      const r = await throughput(kind, m, n, taskMs);
      rates[m] = r.tasksPerSecond;
      if (best[m] === undefined || r.tasksPerSecond > best[m]!.tasksPerSecond) best[m] = r;
    }
    perRound.push(rates);
  }
  const off = best.off!.tasksPerSecond;
  const out: Record<string, unknown> = {
    tasks: n,
    taskMs,
    rounds: ROUNDS,
    roundRatios: Object.fromEntries(
      modes.filter((m) => m !== 'off').map((m) => [m, perRound.map((r) => round(r[m]! / r.off!))]),
    ),
  };
  for (const m of modes) {
    out[m] = {
      tasksPerSecond: round(best[m]!.tasksPerSecond, 0),
      cleanupSeconds: round(best[m]!.cleanupSeconds),
      // Of the fastest round: CPU is counted in 10 ms ticks per process, so a role under ~0.5 µs is noise.
      cpuUsPerTask: best[m]!.cpuUsPerTask,
    };
    if (m !== 'off') out[`ratio_${m}`] = round(best[m]!.tasksPerSecond / off);
  }
  return out;
}

/** Writes `tasks` tasks through the store (the tests' fixture generator) in batches of `perBatch`. */
function writeSynthetic(path: string, runId: string, tasks: number, perBatch = 5_000) {
  return writeSyntheticRun({ path, runId, tasks, perBatch, workflowName: 'bench' });
}

function writer() {
  const path = join(base, 'writer.db');
  const tasks = quick ? 50_000 : 200_000;
  const { rows, seconds } = writeSynthetic(path, 'writer-run', tasks);
  // Parsl sends 5 messages for such a task: TASK_INFO at pending, launched and exec_done, WORKER_TASK_INFO twice.
  return {
    tasks,
    rowsPerSecond: round(rows / seconds, 0),
    parslMessagesPerSecond: round((5 * tasks) / seconds, 0),
    tasksPerSecond: round(tasks / seconds, 0),
  };
}

function timeQuery(f: () => unknown): { p50Ms: number; p95Ms: number; firstMs: number } {
  const times: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), firstMs: round(first) };
}

function database() {
  const path = join(base, 'big.db');
  const runId = 'big-run';
  const { rows, seconds } = writeSynthetic(path, runId, DB_TASKS, 20_000);
  const bytes = statSync(path).size;
  const q = parsl.monitoringQueries;
  const db = q.openForReading(path);
  // The synthetic run must read back as written, or the query times below measure the wrong data.
  const failed = Math.floor((DB_TASKS - 1) / 97) + 1;
  const counts = q.stateCounts(db, runId);
  if (counts.failed !== failed || counts.exec_done !== DB_TASKS - failed || Object.keys(counts).length !== 2)
    throw new Error(`the synthetic database reads back wrong: ${JSON.stringify(counts)}`);
  const rnd = () => Math.floor(Math.random() * DB_TASKS);
  const queries = {
    workflows: timeQuery(() => q.workflows(db)),
    stateCounts: timeQuery(() => q.stateCounts(db, runId)),
    appStateCounts: timeQuery(() => q.appStateCounts(db, runId)),
    timeline60s: timeQuery(() => q.timeline(db, runId, 60)),
    tasksFirstPage: timeQuery(() => q.tasks(db, runId, { limit: 100 })),
    tasksDeepPage: timeQuery(() => q.tasks(db, runId, { limit: 100, after: rnd() })),
    tasksByApp: timeQuery(() => q.tasks(db, runId, { app: 'reduce', limit: 100, after: rnd() })),
    tasksByState: timeQuery(() => q.tasks(db, runId, { state: 'failed', limit: 100 })),
    tasksByAppAndState: timeQuery(() => q.tasks(db, runId, { app: 'plot', state: 'failed', limit: 100 })),
    tasksDesc: timeQuery(() => q.tasks(db, runId, { order: 'desc', limit: 100 })),
    task: timeQuery(() => q.task(db, runId, rnd())),
    dagByApp: timeQuery(() => q.dagByApp(db, runId)),
    nodes: timeQuery(() => q.nodes(db, runId)),
    workerUsage60s: timeQuery(() => q.workerUsage(db, runId, 60)),
  };
  // Parsl's own app-count query (queries/pandas.py), verbatim: a scan of the run's entries in an index.
  const parslAppCounts = timeQuery(() =>
    db
      .prepare(
        `SELECT task_func_name, count(*) as 'frequency' FROM task WHERE run_id='${runId}' GROUP BY task_func_name;`,
      )
      .all(),
  );
  db.close();
  const worstP95 = Math.max(...Object.values(queries).map((x) => x.p95Ms));
  return {
    tasks: DB_TASKS,
    rows,
    writeSeconds: round(seconds),
    bytes,
    bytesPerTask: round(bytes / DB_TASKS, 1),
    queries,
    worstP95Ms: worstP95,
    parslAppCounts,
  };
}

async function idle(mode: Mode) {
  runs++;
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [executor('threads')],
      runDir: join(base, `runinfo-${runs}`),
      monitoring: hub(mode),
    }),
  );
  try {
    const noop = parsl.app((x: number) => x);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => noop(i)));
    // Let the last batches be written: the writer paces itself, so its tail can take a second or two.
    await new Promise((r) => setTimeout(r, 2000));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const c = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    return round((100 * (c.user + c.system)) / 1000 / ms, 2);
  } finally {
    await dfk.cleanup();
    parsl.clear();
  }
}

/** `--only throughput,throughput1ms,writer,idle,database`: run only those parts (all by default). */
const onlyArg = args.indexOf('--only');
const parts = new Set(
  onlyArg >= 0
    ? (args[onlyArg + 1] ?? '').split(',')
    : ['throughput', 'throughput1ms', 'writer', 'idle', 'database'],
);
const part = async <T>(name: string, f: () => Promise<T> | T): Promise<T | null> =>
  parts.has(name) ? await f() : null;
const ratio = (x: Record<string, unknown> | undefined, k: string, target: number) =>
  x === undefined ? null : (x[k] as number) >= target;

try {
  const noop = await part('throughput', async () => ({
    threads: await throughputs('threads', THROUGHPUT_TASKS, ['off', 'on']),
    htex: await throughputs('htex', HTEX_TASKS, ['off', 'on', 'sampling1s']),
  }));
  // Short real tasks (1 ms of CPU each): the ratio a workflow of short tasks sees.
  const short = await part('throughput1ms', async () => ({
    threads1ms: await throughputs('threads', quick ? 2_000 : 5_000, ['off', 'on'], 1),
    htex1ms: await throughputs('htex', quick ? 2_000 : 5_000, ['off', 'on', 'sampling1s'], 1),
  }));
  const tp = noop === null && short === null ? null : { ...noop, ...short };
  const w = await part('writer', writer);
  const id = await part('idle', async () => {
    const off = await idle('off');
    const on = await idle('on');
    return {
      processCorePercentOff: off,
      processCorePercentOn: on,
      monitoringCorePercent: round(on - off, 2),
    };
  });
  const db = await part('database', database);
  const result = {
    benchmark: 'monitoring',
    machine: { cores: (await import('node:os')).cpus().length, node: process.version },
    throughput: tp,
    writer: w,
    database: db,
    idle: id,
    targets: TARGETS,
    met: {
      ratioNoSamplingThreads: ratio(tp?.threads, 'ratio_on', TARGETS.ratioNoSampling),
      ratioNoSamplingHtex: ratio(tp?.htex, 'ratio_on', TARGETS.ratioNoSampling),
      ratioSampling1sHtex: ratio(tp?.htex, 'ratio_sampling1s', TARGETS.ratioSampling1s),
      ratioNoSamplingThreads1ms: ratio(tp?.threads1ms, 'ratio_on', TARGETS.ratioNoSampling),
      ratioNoSamplingHtex1ms: ratio(tp?.htex1ms, 'ratio_on', TARGETS.ratioNoSampling),
      ratioSampling1sHtex1ms: ratio(tp?.htex1ms, 'ratio_sampling1s', TARGETS.ratioSampling1s),
      writer: w === null ? null : w.parslMessagesPerSecond >= TARGETS.writerMessagesPerSecond,
      bytesPerTask: db === null ? null : db.bytesPerTask <= TARGETS.bytesPerTask,
      queryP95: db === null ? null : db.worstP95Ms <= TARGETS.queryP95Ms,
      idle: id === null ? null : id.monitoringCorePercent <= TARGETS.idleCorePercent,
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(base, { recursive: true, force: true });
}
