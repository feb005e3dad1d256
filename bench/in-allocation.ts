/**
 * The in-allocation executor (MPICommExecutor) against mpi4py.futures, per MPI flavour found, in one run:
 *
 *   npm run build && testslot --exclusive node --import tsx bench/in-allocation.ts [--noop N] [--trips N] [--runs N]
 *     [--poll 0,500] [--peers 0] [--ranks 4,128,256] [--flavors openmpi,mpich]
 *
 * Each run is `mpiexec -n <ranks>` on this machine (4 by default): rank 0 runs the workflow (or mpi4py's root),
 * the others are worker ranks. More ranks than cores is the scale run of issue #17 (oversubscribed: a benchmark
 * of the executor's costs, not of a real allocation); the peers run at 4 ranks only, and each result also has
 * the start-up time (process start to `load()` done, then until every worker rank has run a task) and each
 * rank's memory.
 * - parsl-ts: `parsl-ts run bench/in-allocation/workload.ts`, measured through the public API (apps, kernel) and
 *   straight into the executor (what the kernel adds is the difference);
 * - peers: `python3 -m mpi4py.futures` with MPIPoolExecutor, and MPICommExecutor(COMM_WORLD, root=0)
 *   (bench/in-allocation/mpi4py-peer.py), under the MPI Debian's python3-mpi4py is built with (Open MPI).
 * Each measures the median and p99 of sequential no-op round trips, no-op tasks/s, the efficiency of
 * 100 × workers 10 ms sleeps (ideal time / measured time) with its ceiling (10 ms over the mean of 200 sleeps back
 * to back on rank 0, no executor: a 10 ms `setTimeout` takes longer than `time.sleep(0.01)`) and the CPU of the
 * busiest idle worker rank over 3 s.
 * Prints one JSON object.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

type Flavor = 'openmpi' | 'mpich';
const TARGETS = {
  roundTripMedianMs: 0.1,
  noopTasksPerSecond: 150_000,
  sleep10msEfficiency: 0.97,
  idleRankCpuPercent: 1,
};
const REPO = resolve(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const nNoop = arg('noop', 50_000);
const nTrips = arg('trips', 500);
const runs = arg('runs', 1);
const withPeers = arg('peers', 1) !== 0;
/** `MPICommExecutor` `pollMicros` values to measure, each its own mpiexec run (the first is the baseline). */
function list(name: string, dflt: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1]! : dflt).split(',');
}
const polls = list('poll', '0').map(Number);
const rankCounts = list('ranks', '4').map(Number);
const flavors = list('flavors', 'openmpi,mpich') as Flavor[];

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, name)));
}

/** Runs `argv` under `flavor`'s mpiexec with `ranks` ranks; resolves with rank 0's RESULT object. */
function launch(flavor: Flavor, argv: string[], ranks = 4): Promise<Record<string, unknown>> {
  const args = [...(flavor === 'openmpi' ? ['--oversubscribe'] : []), '-n', String(ranks), ...argv];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const child = spawn(`mpiexec.${flavor}`, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined)
        fail(new Error(`${argv.join(' ')} under ${flavor}: exit ${code}\n${out}`));
      else ok(JSON.parse(line.slice(7)) as Record<string, unknown>);
    });
  });
}

/** The flavour python3-mpi4py was built with, or null when it is not installed. */
function mpi4pyFlavor(): Flavor | null {
  const r = spawnSync(PYTHON, ['-c', 'from mpi4py import MPI; print(MPI.Get_library_version())'], {
    encoding: 'utf8',
    env: { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' },
  });
  if (r.status !== 0) return null;
  return r.stdout.includes('Open MPI') ? 'openmpi' : 'mpich';
}

const peerFlavor = mpi4pyFlavor();
const results: Record<string, unknown>[] = [];
for (const flavor of flavors) {
  if (!onPath(`mpiexec.${flavor}`) || !existsSync(join(REPO, 'build', flavor, 'Release', 'parsl_mpi.node')))
    continue;
  for (let run = 1; run <= runs; run++) {
    for (const ranks of rankCounts) {
      for (const pollMicros of polls) {
        const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-in-allocation-'));
        try {
          const started = performance.now();
          const ours = await launch(
            flavor,
            [
              'node',
              'dist/cli/main.js',
              'run',
              'bench/in-allocation/workload.ts',
              String(nNoop),
              String(nTrips),
              join(dir, 'runinfo'),
              JSON.stringify({ pollMicros }),
            ],
            ranks,
          );
          const row = {
            flavor,
            run,
            ranks,
            executor: 'parsl-ts MPICommExecutor',
            loadAverage: loadavg()[0],
            launchToExitSeconds: Math.round(performance.now() - started) / 1000,
            ...ours,
          };
          results.push(row);
          // A many-rank run takes minutes: print each row as it is measured, so a limited run keeps what it got.
          console.error(`ROW ${JSON.stringify(row)}`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    if (flavor !== peerFlavor || !withPeers) continue;
    const peer = 'bench/in-allocation/mpi4py-peer.py';
    for (const [mode, argv] of [
      ['pool', [PYTHON, '-m', 'mpi4py.futures', peer, 'pool']],
      ['comm', [PYTHON, peer, 'comm']],
    ] as const) {
      const r = await launch(flavor, [...argv, String(nNoop), String(nTrips)]);
      results.push({ flavor, run, ranks: 4, executor: r.peer, mode, loadAverage: loadavg()[0], ...r });
    }
  }
}
console.log(
  JSON.stringify(
    {
      benchmark: 'in-allocation',
      ranks: rankCounts,
      noopTasks: nNoop,
      roundTrips: nTrips,
      targets: TARGETS,
      mpi4py: peerFlavor ?? 'not installed (apt-get install -y python3-mpi4py)',
      results,
    },
    null,
    2,
  ),
);
