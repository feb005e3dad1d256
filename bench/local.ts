/**
 * Local benchmark: the kernel with the worker-thread pool against Piscina (the baseline) in the same run.
 *
 *   node --import tsx bench/local.ts          (npm run bench:local; build first with npm run build)
 *
 * Prints one JSON object: parsl-ts numbers (through the public API), the executor alone (submit() directly),
 * Piscina with the same thread count, ratios ours/piscina and the targets of DESIGN.md §5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ExecutorTask, TaskOutcome } from 'parsl-ts';
import * as parsl from 'parsl-ts';
import { Piscina } from 'piscina';
import { describeFunction } from '#internal';

const THREADS = 2;
const THROUGHPUT_TASKS = 50_000;
const ROUND_TRIPS = 500;
const SLEEP_TASKS = 2_000;
const SLEEP_MS = 10;
const OVERHEAD_TASKS = 100_000;
const PENDING_TASKS = 1_000_000;
const TARGETS = { throughputVsPiscina: 0.8, kernelOverheadUs: 10, bytesPerPendingTask: 1.5 * 1024 };

const runDir = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-'));
const gc = exposeGc();

interface Workloads {
  throughput: { tasks: number; seconds: number; tasksPerSecond: number };
  roundTrip: { tasks: number; medianUs: number; p99Us: number };
  sleep: { tasks: number; sleepMs: number; seconds: number; idealSeconds: number; efficiency: number };
}

/** The three shared workloads, given a way to run one no-op and one 10 ms sleep and get a promise. */
async function workloads(
  noop: () => PromiseLike<unknown>,
  sleep: () => PromiseLike<unknown>,
): Promise<Workloads> {
  await Promise.all(Array.from({ length: 1000 }, noop)); // warm up threads, JIT and batch sizing
  let t0 = performance.now();
  const all: PromiseLike<unknown>[] = new Array(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) all[i] = noop();
  await Promise.all(all);
  const tpSeconds = (performance.now() - t0) / 1000;

  const lat: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const s = performance.now();
    await noop();
    lat.push((performance.now() - s) * 1000);
  }
  lat.sort((a, b) => a - b);

  t0 = performance.now();
  await Promise.all(Array.from({ length: SLEEP_TASKS }, sleep));
  const sleepSeconds = (performance.now() - t0) / 1000;
  const ideal = (SLEEP_TASKS * SLEEP_MS) / THREADS / 1000;
  return {
    throughput: {
      tasks: THROUGHPUT_TASKS,
      seconds: round(tpSeconds),
      tasksPerSecond: Math.round(THROUGHPUT_TASKS / tpSeconds),
    },
    roundTrip: { tasks: ROUND_TRIPS, medianUs: round(quantile(lat, 0.5)), p99Us: round(quantile(lat, 0.99)) },
    sleep: {
      tasks: SLEEP_TASKS,
      sleepMs: SLEEP_MS,
      seconds: round(sleepSeconds),
      idealSeconds: ideal,
      efficiency: round(ideal / sleepSeconds),
    },
  };
}

async function parslThreads(): Promise<Workloads> {
  await parsl.load(
    new parsl.Config({ executors: [new parsl.ThreadPoolExecutor({ maxThreads: THREADS })], runDir }),
  );
  try {
    const noop = parsl.app(() => 0);
    const sleep = parsl.app(() => new Promise((r) => setTimeout(() => r(0), 10)));
    return await workloads(
      () => noop(),
      () => sleep(),
    );
  } finally {
    await parsl.dfk().cleanup();
    parsl.clear();
  }
}

/** The executor alone, through `submit(task, done)`: what the kernel adds is the difference to {@link parslThreads}. */
async function executorOnly(): Promise<Workloads & { statistics: unknown }> {
  const ex = new parsl.ThreadPoolExecutor({ maxThreads: THREADS });
  await ex.start({ runDir, runId: 'bench', logger: parsl.getLogger('bench') });
  try {
    let id = 0;
    const task = (func: () => unknown): ExecutorTask => ({
      id: id++,
      tryId: 0,
      appName: 'bench',
      kind: 'js',
      func,
      fn: describeFunction(func),
      args: [],
      walltimeMs: null,
      bash: null,
      resourceSpecification: {},
    });
    const submit = (func: () => unknown) =>
      new Promise<unknown>((resolve, reject) =>
        ex.submit(task(func), (o: TaskOutcome) => (o.ok ? resolve(o.value) : reject(o.error))),
      );
    const noopFn = () => 0;
    const sleepFn = () => new Promise((r) => setTimeout(() => r(0), 10));
    const w = await workloads(
      () => submit(noopFn),
      () => submit(sleepFn),
    );
    return { ...w, statistics: ex.statistics() };
  } finally {
    await ex.shutdown();
  }
}

async function piscina(): Promise<Workloads> {
  const filename = new URL('./piscina-worker.mjs', import.meta.url).href;
  const pool = new Piscina({ filename, minThreads: THREADS, maxThreads: THREADS });
  try {
    return await workloads(
      () => pool.run(0, { name: 'noop' }),
      () => pool.run(0, { name: 'sleep10' }),
    );
  } finally {
    await pool.destroy();
  }
}

/** Kernel cost per task with an executor that runs apps on the main thread (no serialization, no threads). */
async function kernelOverhead(): Promise<{ tasks: number; usPerTask: number } | { error: string }> {
  const InProcess = (parsl as Record<string, unknown>).InProcessExecutor as
    | (new (o?: {
        label?: string;
      }) => parsl.Executor)
    | undefined;
  if (InProcess === undefined)
    return { error: 'parsl.InProcessExecutor is not exported yet: kernel overhead not measured' };
  await parsl.load(new parsl.Config({ executors: [new InProcess()], runDir }));
  try {
    const noop = parsl.app(() => 0);
    await Promise.all(Array.from({ length: 10_000 }, () => noop()));
    const t0 = performance.now();
    const all: PromiseLike<unknown>[] = new Array(OVERHEAD_TASKS);
    for (let i = 0; i < OVERHEAD_TASKS; i++) all[i] = noop();
    await Promise.all(all);
    return { tasks: OVERHEAD_TASKS, usPerTask: round(((performance.now() - t0) * 1000) / OVERHEAD_TASKS) };
  } finally {
    await parsl.dfk().cleanup();
    parsl.clear();
  }
}

/** Heap per task that waits on an unresolved dependency (futures kept alive by the caller). */
async function memoryPerPendingTask(): Promise<{ tasks: number; bytesPerTask: number }> {
  await parsl.load(
    new parsl.Config({ executors: [new parsl.ThreadPoolExecutor({ maxThreads: THREADS })], runDir }),
  );
  try {
    const noop = parsl.app((_gate: number) => 0);
    let release!: (v: number) => void;
    const gate = new Promise<number>((r) => {
      release = r;
    });
    gc();
    const before = process.memoryUsage().heapUsed;
    const futures: PromiseLike<unknown>[] = new Array(PENDING_TASKS);
    for (let i = 0; i < PENDING_TASKS; i++) futures[i] = noop(gate);
    gc();
    const after = process.memoryUsage().heapUsed;
    release(0);
    await Promise.all(futures);
    return { tasks: PENDING_TASKS, bytesPerTask: Math.round((after - before) / PENDING_TASKS) };
  } finally {
    await parsl.dfk().cleanup();
    parsl.clear();
  }
}

async function main(): Promise<void> {
  const ours = await parslThreads();
  const exOnly = await executorOnly();
  const base = await piscina();
  const overhead = await kernelOverhead();
  const memory = await memoryPerPendingTask();
  const throughputRatio = round(ours.throughput.tasksPerSecond / base.throughput.tasksPerSecond);
  const result = {
    node: process.version,
    threads: THREADS,
    parsl: ours,
    executorOnly: exOnly,
    piscina: base,
    kernelOverhead: overhead,
    memoryPerPendingTask: memory,
    ratios: {
      throughput: throughputRatio,
      executorOnlyThroughput: round(exOnly.throughput.tasksPerSecond / base.throughput.tasksPerSecond),
      roundTripMedian: round(ours.roundTrip.medianUs / base.roundTrip.medianUs),
      sleepEfficiency: round(ours.sleep.efficiency / base.sleep.efficiency),
    },
    targets: {
      throughputVsPiscina: {
        target: `>= ${TARGETS.throughputVsPiscina}`,
        value: throughputRatio,
        met: throughputRatio >= TARGETS.throughputVsPiscina,
      },
      kernelOverheadUs:
        'usPerTask' in overhead
          ? {
              target: `<= ${TARGETS.kernelOverheadUs}`,
              value: overhead.usPerTask,
              met: overhead.usPerTask <= TARGETS.kernelOverheadUs,
            }
          : { target: `<= ${TARGETS.kernelOverheadUs}`, value: null, met: false },
      bytesPerPendingTask: {
        target: `<= ${TARGETS.bytesPerPendingTask}`,
        value: memory.bytesPerTask,
        met: memory.bytesPerTask <= TARGETS.bytesPerPendingTask,
      },
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

function exposeGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

try {
  await main();
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
