// MPI benchmark: the C patterns of mpi-tests/mpi_bench.c and the same patterns through the addon
// (mpi-tests/node/bench-rank.mjs), in one run, per MPI flavour; plus the dispatcher's cost per task.
// Prints one JSON document with the addon/C ratios and the targets of issue #3.
//
//   npm run bench:mpi                    (after `npm run build` and `bash scripts/setup-mpi.sh`)
//   BENCH_FLAVORS=mpich BENCH_PINGPONG=5000 BENCH_FANOUT=300000 npm run bench:mpi
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NativeAddon } from '../ts/mpi/native.js';

type Flavor = 'openmpi' | 'mpich';
type Row = Record<string, number | string>;

const root = resolve(import.meta.dirname, '..');
const PINGPONG = Number(process.env.BENCH_PINGPONG ?? 5000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 300_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 2000);
const sessions = mkdtempSync(join(tmpdir(), 'parsl-mpi-bench-'));

function launch(flavor: Flavor, np: number, argv: string[]): Row {
  const args =
    flavor === 'openmpi' ? ['--oversubscribe', '-n', String(np), ...argv] : ['-n', String(np), ...argv];
  const r = spawnSync(`mpiexec.${flavor}`, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    killSignal: 'SIGKILL',
    env: {
      ...process.env,
      OMPI_ALLOW_RUN_AS_ROOT: '1',
      OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
      OMPI_MCA_orte_tmpdir_base: sessions,
    },
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line)
    return { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-400)}` };
  return JSON.parse(line) as Row;
}

function buildC(flavor: Flavor): string | null {
  const out = join(root, 'build', 'mpi-tests', flavor);
  const r = spawnSync('make', ['-s', '-C', join(root, 'mpi-tests'), `MPICC=mpicc.${flavor}`, `OUT=${out}`], {
    encoding: 'utf8',
  });
  return r.status === 0 ? join(out, 'mpi_bench') : null;
}

const num = (row: Row, key: string): number =>
  typeof row[key] === 'number' ? (row[key] as number) : Number.NaN;
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

function benchFlavor(flavor: Flavor): Record<string, unknown> {
  const cBench = buildC(flavor);
  if (!cBench) return { error: `could not build mpi-tests with mpicc.${flavor}` };
  const addon = ['node', 'mpi-tests/node/bench-rank.mjs'];
  const result: Record<string, unknown> = {};
  for (const bytes of [1, 1024]) {
    const c = launch(flavor, 2, [cBench, 'pingpong', String(bytes), String(PINGPONG * 4)]);
    const a = launch(flavor, 2, [...addon, 'pingpong', String(bytes), String(PINGPONG)]);
    const cf = launch(flavor, 4, [cBench, 'fanout', String(bytes), String(FANOUT)]);
    const af = launch(flavor, 4, [...addon, 'fanout', String(bytes), String(FANOUT)]);
    result[`${bytes}B`] = {
      rttMicros: {
        c: round(num(c, 'rttMicros')),
        addon: round(num(a, 'rttMicros')),
        ratio: round(num(a, 'rttMicros') / num(c, 'rttMicros')),
      },
      fanoutMessagesPerSecond: {
        c: Math.round(num(cf, 'messagesPerSecond')),
        addon: Math.round(num(af, 'messagesPerSecond')),
        ratio: round(num(af, 'messagesPerSecond') / num(cf, 'messagesPerSecond')),
        addonPacketsSent: num(af, 'packetsSent'),
      },
      ...(c.error || a.error || cf.error || af.error
        ? { errors: [c.error, a.error, cf.error, af.error].filter(Boolean) }
        : {}),
    };
  }
  const ci = launch(flavor, 2, [cBench, 'idle', String(IDLE_MS)]);
  const ai = launch(flavor, 2, [...addon, 'idle', String(IDLE_MS)]);
  result.idleRank = {
    cpuPercent: { c: round(num(ci, 'idleCpuPercent')), addon: round(num(ai, 'idleCpuPercent')) },
    addonWakeLatencyMicros: round(num(ai, 'wakeLatencyMicros'), 0),
    addonSleeps: num(ai, 'sleeps'),
  };
  result.threadLevel = String(
    (launch(flavor, 2, [...addon, 'pingpong', '1', '10']).threadLevel as string) ?? '?',
  );
  return result;
}

function benchDispatcher(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cpp = join(root, 'build', 'native-test', 'dispatcher_bench');
  if (existsSync(cpp)) {
    const r = spawnSync(cpp, ['1000000', '3', '64'], { encoding: 'utf8' });
    if (r.status === 0)
      out.cppNsPerTask = round((JSON.parse(r.stdout) as { nsPerTask: number }).nsPerTask, 1);
  } else out.cppNsPerTask = 'run `npm run test:native` first';
  const addonPath = ['openmpi', 'mpich']
    .map((f) => join(root, 'build', f, 'Release', 'parsl_mpi.node'))
    .find(existsSync);
  if (addonPath) {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    const d = new addon.Dispatcher({ maxBatchTasks: 64, maxBatchBytes: 1 << 20 });
    const tasks = 1_000_000;
    const blob = Buffer.alloc(64, 7);
    for (let r = 1; r <= 3; r++) d.setCapacity(r, 256);
    const t0 = process.hrtime.bigint();
    let submitted = 0;
    let done = 0;
    while (done < tasks) {
      for (let i = 0; i < 4096 && submitted < tasks; i++) d.submit(submitted++, blob);
      for (const b of d.nextBatches()) {
        const n = b.payload.readUInt32LE(4);
        const ids = new Float64Array(n);
        let off = 8;
        for (let i = 0; i < n; i++) {
          ids[i] = Number(b.payload.readBigUInt64LE(off));
          off += 12 + b.payload.readUInt32LE(off + 8);
        }
        done += d.complete(b.rank, ids);
      }
    }
    out.addonNsPerTask = round(Number(process.hrtime.bigint() - t0) / tasks, 1);
  }
  return out;
}

const flavors = (process.env.BENCH_FLAVORS?.split(',') ?? ['openmpi', 'mpich']).filter(
  (f): f is Flavor =>
    (f === 'openmpi' || f === 'mpich') && existsSync(join(root, 'build', f, 'Release', 'parsl_mpi.node')),
);
const report: Record<string, unknown> = {
  machine: { cpus: cpus().length, loadAverageAtStart: loadavg().map((x) => round(x)) },
  settings: {
    pingpongIterations: PINGPONG,
    fanoutMessages: FANOUT,
    idleMilliseconds: IDLE_MS,
    workerRanks: 3,
  },
};
const results: Record<string, Record<string, unknown>> = {};
for (const f of flavors) results[f] = benchFlavor(f);
report.flavors = results;
report.dispatcher = benchDispatcher();
report.targets = Object.fromEntries(
  flavors.map((f) => {
    const r = results[f] as Record<
      string,
      {
        rttMicros?: { ratio: number };
        fanoutMessagesPerSecond?: { addon: number };
        cpuPercent?: { addon: number };
      }
    >;
    return [
      f,
      {
        latencyAtMost5xC: [r['1B']?.rttMicros?.ratio, r['1024B']?.rttMicros?.ratio].every(
          (x) => x !== undefined && x <= 5,
        ),
        fanoutAtLeast500kPerSecond: (r['1B']?.fanoutMessagesPerSecond?.addon ?? 0) >= 500_000,
        idleRankAtMost2Percent: (r.idleRank?.cpuPercent?.addon ?? 100) <= 2,
      },
    ];
  }),
);
report.machine = { ...(report.machine as object), loadAverageAtEnd: loadavg().map((x) => round(x)) };
rmSync(sessions, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
