/**
 * Chaos benchmark: minutes of the chaos test (test/chaos/chaos.test.ts) per run kind. Tasks with `retries: 3`
 * stream through two blocks while a seeded killer sends SIGKILL or SIGSTOP to a random worker, pool or MPI rank
 * every few seconds; a baseline run of the same workload without the killer comes first, in the same process.
 *
 *   npm run build && npm run bench:chaos -- [--kind htex|exex-openmpi|exex-mpich] [--minutes 2] [--every 3]
 *                                           [--seed N]
 *
 * Prints one JSON object: per kind, the baseline and the chaos run, each with tasks, kills, retries used, tasks
 * lost (the target is 0), side effects per task (the bound is 1..4), duration, tasks/s and peak RSS of this
 * process; and the processes of the run left after cleanup (the target is none).
 */
import { cpus, loadavg } from 'node:os';
import { chaosSeed, runChaos } from '../test/chaos/chaos.js';
import { endRun, RUN_KINDS, type RunKind, runMissing, startRun } from '../test/chaos/runs.js';

const RETRIES = 3;
const TARGETS = { tasksLost: 0, wrongResults: 0, sideEffectsOutOfBounds: 0, processesLeft: 0 };
const BASELINE_MS = 20_000;

function flag(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? null : (process.argv[i + 1] ?? null);
}

const only = flag('kind');
const minutes = Number(flag('minutes') ?? 2);
const everyMs = Number(flag('every') ?? 3) * 1000;
const seed = flag('seed') === null ? chaosSeed() : Number(flag('seed'));
const kinds = RUN_KINDS.filter((k) => (only === null || k === only) && runMissing(k) === null);
if (kinds.length === 0) {
  console.error(
    `no run kind to benchmark (asked: ${only ?? 'all'}; missing: ${RUN_KINDS.map(runMissing).join('; ')})`,
  );
  process.exit(2);
}

const workload = { taskMs: 50, window: 64, retries: RETRIES };

async function one(kind: RunKind, name: string, chaos: boolean) {
  const run = await startRun(`bench-${name}`, kind, { blocks: 2, retries: RETRIES });
  try {
    const report = await runChaos(run, {
      ...workload,
      seed,
      kills: null,
      durationMs: chaos ? minutes * 60_000 : BASELINE_MS,
      killEveryMs: chaos ? everyMs : null,
    });
    const started = Date.now();
    await run.dfk.cleanup();
    const cleanupMs = Date.now() - started;
    const left = await endRun(run);
    const { log, ...kills } = report.kills;
    return {
      ...report,
      failures: report.failures.slice(0, 10),
      kills: { ...kills, byTarget: countBy(log.map((k) => `${k.signal} ${k.what}`)) },
      cleanupMs,
      processesLeftAfterCleanup: left,
    };
  } catch (e) {
    await endRun(run);
    throw e;
  }
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

const results: Record<string, unknown> = {};
for (const kind of kinds) {
  const baseline = await one(kind, 'baseline', false);
  const chaos = await one(kind, 'chaos', true);
  results[kind] = {
    baseline,
    chaos,
    throughputUnderChaos:
      Math.round((100 * chaos.tasksPerSecond) / Math.max(1, baseline.tasksPerSecond)) / 100,
  };
}
console.log(
  JSON.stringify(
    {
      benchmark: 'chaos',
      seed,
      minutes,
      killEverySeconds: everyMs / 1000,
      workload,
      targets: TARGETS,
      cores: cpus().length,
      loadAverage: loadavg(),
      results,
    },
    null,
    2,
  ),
);
process.exit(0);
