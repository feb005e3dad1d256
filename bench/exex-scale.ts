/**
 * ExtremeScaleExecutor at many ranks on this machine (oversubscribed: a benchmark, not a test), and the per-hop
 * costs the dispatch model of docs/scale.md takes as inputs (bench/dispatch-sim.ts).
 *
 *   npm run build && node --import tsx bench/exex-scale.ts [--flavor openmpi|mpich] [--ranks 4,128,256]
 *                                                           [--tree 256:64:32]   (ranks:threshold:fanout)
 *
 * Prints one JSON object with one row per (flavour, ranks, layout):
 * - startup: scaleOut → rank 0 registered with the interchange (s), and → every worker rank has started a task;
 * - throughput: 20,000 no-op tasks (tasks/s);
 * - roundTrip: 200 sequential tasks (median, p90, p99 ms);
 * - memory: RSS and PSS (shared pages split between the processes sharing them) per rank, MB;
 * - cpu: CPU µs per task of the interchange, rank 0, the relays and the workers during the throughput run
 *   (batched), and per sequential round trip (one task per message) — the model's per-task and per-message costs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLogger } from 'parsl-ts';
import { localExex, outcomeValue, percentile, round, roundTrips, stamp, submit, task } from './harness.js';

type Flavor = 'openmpi' | 'mpich';
const arg = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : null;

interface Layout {
  ranks: number;
  threshold: number;
  fanout: number;
}

/** The processes of one run, by role, found through /proc (their command lines name the run directory). */
function processes(runDir: string): { interchange: number[]; ranks: Map<number, number> } {
  const interchange: number[] = [];
  const ranks = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'latin1');
      if (!cmd.startsWith(process.execPath) || !cmd.includes(runDir)) continue;
      if (cmd.includes('mpi-worker-pool')) {
        const env = readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
        const v = env.find((x) => x.startsWith('OMPI_COMM_WORLD_RANK=') || x.startsWith('PMI_RANK='));
        if (v !== undefined) ranks.set(Number(v.split('=')[1]), Number(e));
      } else if (cmd.includes('interchange')) interchange.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return { interchange, ranks };
}

/** CPU time of every thread of a process (µs), from the scheduler's nanosecond accounting. */
function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1000;
  } catch {
    return 0;
  }
}

function memoryMB(pid: number): { rss: number; pss: number } {
  try {
    const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** CPU µs spent by each role while `work` runs, divided by `per`. */
async function cpuPer(runDir: string, relays: number, per: number, work: () => Promise<void>) {
  const p = processes(runDir);
  const roles: Record<string, number[]> = {
    interchange: p.interchange,
    rank0: [p.ranks.get(0) ?? -1],
    relays: [...p.ranks].filter(([r]) => r >= 1 && r <= relays).map(([, pid]) => pid),
    workers: [...p.ranks].filter(([r]) => r > relays).map(([, pid]) => pid),
  };
  const before = Object.fromEntries(Object.entries(roles).map(([k, ps]) => [k, ps.map(cpuMicros)]));
  const self0 = process.cpuUsage();
  await work();
  const self = process.cpuUsage(self0);
  const out: Record<string, number> = { client: round((self.user + self.system) / per, 2) };
  for (const [k, ps] of Object.entries(roles)) {
    if (ps.length === 0) continue;
    const used = ps.reduce((a, pid, i) => a + cpuMicros(pid) - before[k]![i]!, 0);
    // Workers and relays: all of them together (their share of each task).
    out[k] = round(used / per, 2);
  }
  return out;
}

async function run(runDir: string, flavor: Flavor, l: Layout) {
  const label = `scale-${flavor}-${l.ranks}-${l.threshold}`;
  const ex = localExex(flavor, {
    label,
    ranksPerNode: l.ranks,
    dispatchTreeThreshold: l.threshold,
    dispatchFanout: l.fanout,
    hungRankThreshold: 120,
  });
  const dir = join(runDir, label);
  await ex.start({ runDir: dir, runId: label, logger: getLogger('bench') });
  const relays = l.ranks > l.threshold ? Math.max(1, Math.ceil((l.ranks - 1) / (l.fanout + 1))) : 0;
  const workers = l.ranks - 1 - relays;
  try {
    const t0 = performance.now();
    await ex.scaleOut(1);
    while ((await ex.connectedManagers()).length === 0) await new Promise((r) => setTimeout(r, 50));
    const registeredSeconds = (performance.now() - t0) / 1000;
    // First task on every worker rank: 2 tasks per worker, each holding its rank 300 ms.
    const where = async (ms: number) => {
      const at = Number(process.hrtime.bigint()) / 1e6;
      await new Promise((r) => setTimeout(r, ms));
      return [Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? -1), at];
    };
    const submitted = Number(process.hrtime.bigint()) / 1e6;
    const outs = await Promise.all(Array.from({ length: 2 * workers }, () => submit(ex, task(where, [300]))));
    const first = new Map<number, number>();
    for (const o of outs) {
      if (!o.ok) throw o.error;
      const [rank, at] = o.value as [number, number];
      first.set(rank, Math.min(first.get(rank) ?? Infinity, at));
    }
    const lastFirst = Math.max(...first.values());
    const startup = {
      registeredSeconds: round(registeredSeconds),
      firstTaskOnEveryRankSeconds: round(registeredSeconds + (lastFirst - submitted) / 1000),
      afterRegistrationSeconds: round((lastFirst - submitted) / 1000),
      ranksThatRan: first.size,
      workerRanks: workers,
    };

    const noop = () => null;
    await Promise.all(Array.from({ length: 5000 }, () => submit(ex, task(noop))));
    const N = 20_000;
    let secs = 0;
    const batched = await cpuPer(dir, relays, N, async () => {
      const s = performance.now();
      const r = await Promise.all(Array.from({ length: N }, () => submit(ex, task(noop))));
      secs = (performance.now() - s) / 1000;
      if (!r.every((o) => o.ok)) throw new Error('a no-op task failed');
    });
    let roundTrip: Awaited<ReturnType<typeof roundTrips>> | null = null;
    const RT = 200;
    const perRoundTrip = await cpuPer(dir, relays, RT, async () => {
      roundTrip = await roundTrips(() => submit(ex, task(stamp)).then(outcomeValue), RT, 0);
    });
    const mem = [...processes(dir).ranks].sort(([a], [b]) => a - b).map(([, pid]) => memoryMB(pid));
    const rss = mem.map((m) => m.rss).sort((a, b) => a - b);
    const pss = mem.map((m) => m.pss).sort((a, b) => a - b);
    return {
      flavor,
      ranks: l.ranks,
      relays,
      workerRanks: workers,
      fanout: relays > 0 ? l.fanout : workers,
      startup,
      throughput: { tasks: N, seconds: round(secs), tasksPerSecond: Math.round(N / secs) },
      roundTrip,
      memory: {
        ranks: mem.length,
        rssMedianMB: round(percentile(rss, 50), 1),
        rssMaxMB: round(rss[rss.length - 1] ?? 0, 1),
        pssMedianMB: round(percentile(pss, 50), 1),
        pssTotalMB: Math.round(pss.reduce((a, b) => a + b, 0)),
      },
      cpuMicrosPerTask: { batched, perRoundTrip },
    };
  } finally {
    await ex.shutdown();
  }
}

const flavors = (['openmpi', 'mpich'] as Flavor[]).filter(
  (f) =>
    (arg('--flavor') === null || arg('--flavor') === f) &&
    existsSync(join(import.meta.dirname, '..', 'build', f, 'Release', 'parsl_mpi.node')),
);
const layouts: Layout[] = (arg('--ranks') ?? '4,128,256')
  .split(',')
  .map((r) => ({ ranks: Number(r), threshold: 256, fanout: 64 }));
const tree = arg('--tree');
if (tree !== null) {
  const [ranks, threshold, fanout] = tree.split(':').map(Number);
  layouts.push({ ranks: ranks!, threshold: threshold!, fanout: fanout! });
}
const runDir = mkdtempSync(join(tmpdir(), 'parsl-bench-exex-scale-'));
const rows: unknown[] = [];
try {
  for (const f of flavors) {
    for (const l of layouts) {
      try {
        rows.push(await run(runDir, f, l));
        // Each row as soon as it is measured (stderr), so a run stopped by a time limit keeps what it measured.
        process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
      } catch (e) {
        rows.push({ flavor: f, ...l, error: String((e as Error)?.stack ?? e) });
      }
    }
  }
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    { benchmark: 'exex-scale', cores: availableParallelism(), loadAverage: loadavg(), rows },
    null,
    2,
  ),
);
process.exit(0);
