/**
 * Ten million tasks in flat memory: a stream of no-op tasks through `parsl.map` with a bounded window.
 *
 *   npm run build && npm run bench:ten-million [-- --tasks N] [--htex-tasks N] [--window W] [--only threads|htex]
 *
 * Per executor, two child processes run one after the other, so the stream's peak RSS is its own:
 * - the baseline: 50,000 no-op tasks submitted at once (`Promise.all`, today's way);
 * - the stream: 10,000,000 (threads: `ThreadPoolExecutor(2)`) or 1,000,000 (HTEX, one local block of 2 workers)
 *   no-op tasks through `parsl.map`.
 * Prints one JSON object: rates, the stream/baseline ratio, RSS (and heap) at 10, 25, 50, 75 and 100 % of the stream,
 * the process's peak RSS, the RSS of its child processes (interchange, worker pool) for HTEX, and the targets.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as parsl from 'parsl-ts';
import { round } from './harness.js';

const SELF = fileURLToPath(import.meta.url);
const BASELINE_TASKS = 50_000;
const TARGETS = { peakRssMB: 300, rateVsBaseline: 0.8 };
const MB = 1024 * 1024;

type Phase = 'threads' | 'htex';

interface Checkpoint {
  readonly percent: number;
  readonly tasks: number;
  readonly seconds: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** The interchange, worker pool and workers, in total and by role (HTEX only). */
  readonly otherProcessesRssMB?: Record<string, number>;
  readonly heldTaskRecords: number;
}

interface Rate {
  readonly tasks: number;
  readonly seconds: number;
  readonly tasksPerSecond: number;
  readonly peakRssMB: number;
}

interface StreamResult extends Rate {
  readonly window: number;
  readonly checkpoints: Checkpoint[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---------------------------------------------------------------- one role, in a child process

type Role = 'baseline' | 'stream';

async function withKernel<T>(phase: Phase, body: (dfk: parsl.DataFlowKernel) => Promise<T>): Promise<T> {
  const runDir = mkdtempSync(join(tmpdir(), `parsl-ts-ten-million-${phase}-`));
  const executor =
    phase === 'threads'
      ? new parsl.ThreadPoolExecutor({ maxThreads: 2 })
      : new parsl.HighThroughputExecutor({
          address: '127.0.0.1',
          maxWorkersPerNode: 2,
          provider: new parsl.LocalProvider({ launcher: new parsl.SimpleLauncher(), initBlocks: 1 }),
        });
  const dfk = await parsl.load(new parsl.Config({ executors: [executor], runDir: join(runDir, 'runinfo') }));
  try {
    await Promise.all(Array.from({ length: 1000 }, (_, i) => noop(i))); // workers up, JIT warm
    return await body(dfk);
  } finally {
    await dfk.cleanup();
    parsl.clear();
    rmSync(runDir, { recursive: true, force: true });
  }
}

const noop = parsl.app((x: number) => x);

const peakRssMB = () => Math.round((process.resourceUsage().maxRSS * 1024) / MB);

/** Today's way: every task submitted at once, every future held. */
async function baseline(tasks: number): Promise<Rate> {
  const t0 = performance.now();
  const all: PromiseLike<number>[] = new Array(tasks);
  for (let i = 0; i < tasks; i++) all[i] = noop(i);
  await Promise.all(all);
  const seconds = (performance.now() - t0) / 1000;
  return {
    tasks,
    seconds: round(seconds),
    tasksPerSecond: Math.round(tasks / seconds),
    peakRssMB: peakRssMB(),
  };
}

async function stream(
  phase: Phase,
  dfk: parsl.DataFlowKernel,
  tasks: number,
  window: number,
): Promise<StreamResult> {
  const percents = [10, 25, 50, 75, 100];
  const marks = percents.map((p) => Math.round((tasks * p) / 100));
  const checkpoints: Checkpoint[] = [];
  let done = 0;
  let sum = 0;
  const t0 = performance.now();
  for await (const y of parsl.map(noop, range(tasks), { window })) {
    sum += y;
    done++;
    if (done === marks[checkpoints.length]) {
      const m = process.memoryUsage();
      checkpoints.push({
        percent: percents[checkpoints.length]!,
        tasks: done,
        seconds: round((performance.now() - t0) / 1000),
        rssMB: Math.round(m.rss / MB),
        heapUsedMB: Math.round(m.heapUsed / MB),
        ...(phase === 'htex' ? { otherProcessesRssMB: runProcessesRss(process.pid, dfk.runDir) } : {}),
        heldTaskRecords: dfk.heldTaskCount,
      });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sum !== (tasks * (tasks - 1)) / 2) throw new Error(`wrong sum of results: ${sum}`);
  return {
    tasks,
    window,
    seconds: round(seconds),
    tasksPerSecond: Math.round(tasks / seconds),
    peakRssMB: peakRssMB(),
    checkpoints,
  };
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/**
 * RSS in MB of the run's other processes, in total and by role (interchange, worker-pool, worker): every process
 * below `root`, and every process whose command line names the run directory (the provider detaches pools).
 */
function runProcessesRss(root: number, runDir: string): Record<string, number> {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  const named = new Set<number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(pid, Number(fields[1])); // ppid
      rss.set(pid, Number(fields[21]) * 4096); // rss in pages
      if (pid !== root && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(runDir)) named.add(pid);
    } catch {
      // the process ended while we read
    }
  }
  const below = (pid: number) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  const out: Record<string, number> = { total: 0 };
  for (const pid of parent.keys()) {
    if (!named.has(pid) && !below(pid)) continue;
    const role = roleOf(pid);
    const bytes = rss.get(pid) ?? 0;
    out.total! += bytes;
    out[role] = (out[role] ?? 0) + bytes;
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! / MB);
  return out;
}

function roleOf(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.find((a) => /^(interchange|worker-pool|worker)$/.test(a)) ?? cmd[0]!.split('/').pop()!;
  } catch {
    return 'gone';
  }
}

// ---------------------------------------------------------------- the parent: one child per phase

function inChild<T>(phase: Phase, role: Role, tasks: number, window: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const argv = ['--phase', phase, '--role', role, '--tasks', String(tasks), '--window', String(window)];
    const child = fork(SELF, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: T | null = null;
    child.on('message', (m) => {
      result = m as T;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result !== null
        ? resolve(result)
        : reject(new Error(`${phase} phase exited with ${code} and no result`)),
    );
  });
}

/** The baseline and the stream of one executor, in two processes, with the targets. */
async function measure(phase: Phase, tasks: number, window: number) {
  const base = await inChild<Rate>(phase, 'baseline', BASELINE_TASKS, window);
  const s = await inChild<StreamResult>(phase, 'stream', tasks, window);
  const ratio = round(s.tasksPerSecond / base.tasksPerSecond);
  return {
    executor: phase === 'threads' ? 'ThreadPoolExecutor(maxThreads: 2)' : 'HTEX, 1 local block, 2 workers',
    baseline: base,
    stream: s,
    rateVsBaseline: ratio,
    targets: {
      peakRssMB: {
        target: `<= ${TARGETS.peakRssMB}`,
        value: s.peakRssMB,
        met: s.peakRssMB <= TARGETS.peakRssMB,
      },
      rateVsBaseline: {
        target: `>= ${TARGETS.rateVsBaseline}`,
        value: ratio,
        met: ratio >= TARGETS.rateVsBaseline,
      },
    },
  };
}

const phase = arg('phase') as Phase | undefined;
if (phase !== undefined) {
  const tasks = Number(arg('tasks'));
  const r = await withKernel(phase, (dfk) =>
    arg('role') === 'baseline' ? baseline(tasks) : stream(phase, dfk, tasks, Number(arg('window'))),
  );
  process.send!(r);
  process.disconnect();
} else {
  const window = Number(arg('window') ?? 1000);
  const only = arg('only');
  const out: Record<string, unknown> = { node: process.version, cpus: cpus().length, loadAvg: loadavg() };
  if (only !== 'htex') out.threads = await measure('threads', Number(arg('tasks') ?? 10_000_000), window);
  if (only !== 'threads') out.htex = await measure('htex', Number(arg('htex-tasks') ?? 1_000_000), window);
  out.loadAvgAfter = loadavg();
  console.log(JSON.stringify(out, null, 2));
}
