/** What every executor benchmark shares: executor tasks as the kernel builds them, submission, statistics. */
import {
  app,
  Config,
  type Executor,
  type ExecutorTask,
  ExtremeScaleExecutor,
  type ExtremeScaleOptions,
  LocalProvider,
  load,
  SimpleLauncher,
  type TaskOutcome,
} from 'parsl-ts';
import { describeFunction } from '#internal';

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

let nextId = 1;

/** A task with resolved arguments, as the kernel hands it to an executor. */
export function task(func: (...a: never[]) => unknown, args: unknown[] = []): ExecutorTask {
  return {
    id: nextId++,
    tryId: 0,
    appName: func.name,
    kind: 'js',
    func,
    fn: describeFunction(func),
    args,
    walltimeMs: null,
    bash: null,
    resourceSpecification: {},
  };
}

export function submit(ex: Executor, t: ExecutorTask): Promise<TaskOutcome> {
  return new Promise((resolve) => ex.submit(t, resolve));
}

/** The value of a successful outcome; a failed one throws its error. */
export function outcomeValue(o: TaskOutcome): unknown {
  if (!o.ok) throw o.error;
  return o.value;
}

/**
 * CLOCK_MONOTONIC in ms, which every process of the machine shares (`performance.timeOrigin` differs per process
 * by up to a millisecond, see docs/mpi.md).
 */
export const wallMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A task body that returns the monotonic clock where it ran (self-contained: it is sent by source). */
export const stamp = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface RoundTrips {
  tasks: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Submit → the task body running (kernel/executor → … → worker), and back. */
  downMedianMs: number;
  downP99Ms: number;
  upMedianMs: number;
  upP99Ms: number;
  /** Round trips over 2× the median, and how many of them overlapped a GC pause of this (the submitting) process. */
  slow: number;
  slowWithLocalGc: number;
  localGcPauses: number;
}

/**
 * `n` sequential round trips of `one()` (which runs `stamp` as a task and resolves with its value) after `warm`
 * unmeasured ones. Splits each into its way down and its way back by the worker's stamp.
 */
export async function roundTrips(one: () => PromiseLike<unknown>, n = 500, warm = 50): Promise<RoundTrips> {
  const { PerformanceObserver } = await import('node:perf_hooks');
  const gcs: Array<[number, number]> = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
  });
  for (let i = 0; i < warm; i++) await one();
  obs.observe({ entryTypes: ['gc'] });
  const total: number[] = [];
  const down: number[] = [];
  const up: number[] = [];
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const w0 = wallMs();
    const at = Number(await one());
    const w1 = wallMs();
    const e = performance.now();
    total.push(e - s);
    spans.push([s, e]);
    down.push(at - w0);
    up.push(w1 - at);
  }
  await new Promise((r) => setImmediate(r));
  obs.disconnect();
  const median = percentile(
    [...total].sort((a, b) => a - b),
    50,
  );
  let slow = 0;
  let slowWithLocalGc = 0;
  for (const [s, e] of spans) {
    if (e - s <= 2 * median) continue;
    slow++;
    if (gcs.some(([gs, ge]) => gs < e && ge > s)) slowWithLocalGc++;
  }
  const q = (xs: number[], p: number) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        p,
      ),
    );
  return {
    tasks: n,
    medianMs: q(total, 50),
    p90Ms: q(total, 90),
    p99Ms: q(total, 99),
    maxMs: q(total, 100),
    downMedianMs: q(down, 50),
    downP99Ms: q(down, 99),
    upMedianMs: q(up, 50),
    upP99Ms: q(up, 99),
    slow,
    slowWithLocalGc,
    localGcPauses: gcs.length,
  };
}

/**
 * Round trips through the public API: the kernel loads `executor` (not started yet; `ready` brings its first
 * block up), and `app(stamp)` runs `n` times in sequence.
 */
export async function appRoundTrips(
  executor: Executor,
  runDir: string,
  ready: (ex: Executor) => Promise<void>,
): Promise<RoundTrips> {
  const dfk = await load(new Config({ executors: [executor], runDir, strategy: 'none' }));
  try {
    await ready(executor);
    const probe = app(stamp);
    return await roundTrips(() => probe());
  } finally {
    await dfk.cleanup();
  }
}

/** An ExtremeScaleExecutor whose one-node blocks run under this machine's `mpiexec` of `flavor` (oversubscribed). */
export function localExex(flavor: 'openmpi' | 'mpich', o: ExtremeScaleOptions): ExtremeScaleExecutor {
  return new ExtremeScaleExecutor({
    address: '127.0.0.1',
    encrypted: false,
    mpi: flavor,
    mpiLauncher:
      flavor === 'openmpi' ? 'mpiexec.openmpi --oversubscribe -n {ranks}' : 'mpiexec.mpich -n {ranks}',
    provider: new LocalProvider({
      launcher: new SimpleLauncher({ debug: false }),
      workerInit: 'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1',
      initBlocks: 0,
      statusPollingInterval: 1000,
    }),
    ...o,
  });
}
