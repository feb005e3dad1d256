/**
 * Progress display cost: 50,000 no-op tasks on the InProcessExecutor with the `parsl-ts run` progress tally
 * watching every state change, relative to the same tasks unwatched, measured in the same run.
 *
 *   node --import tsx bench/progress.ts       (build first with npm run build)
 *
 * Prints one JSON object. Each configuration runs ROUNDS times in interleaved order; the medians are reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { ProgressTally } from '#internal';

const TASKS = 50_000;
const ROUNDS = 7;
const base = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-progress-'));

async function run(watched: boolean, round: number): Promise<number> {
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [new parsl.InProcessExecutor()],
      runDir: join(base, `${watched ? 'on' : 'off'}-${round}`),
      initializeLogging: false,
    }),
  );
  const tally = new ProgressTally();
  if (watched) dfk.watchTasks(tally);
  const noop = parsl.app((x: number) => x);
  const t0 = performance.now();
  const fs = new Array<parsl.AppFuture<number>>(TASKS);
  for (let i = 0; i < TASKS; i++) fs[i] = noop(i);
  await Promise.all(fs);
  const seconds = (performance.now() - t0) / 1000;
  await dfk.cleanup();
  if (watched && tally.finished !== TASKS)
    throw new Error(`the tally saw ${tally.finished} of ${TASKS} tasks`);
  return TASKS / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off: number[] = [];
const on: number[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    off.push(await run(false, r));
    on.push(await run(true, r));
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
const tasksPerSecondOff = median(off);
const tasksPerSecondOn = median(on);
console.log(
  JSON.stringify({
    bench: 'progress',
    tasks: TASKS,
    rounds: ROUNDS,
    tasksPerSecondOff: Math.round(tasksPerSecondOff),
    tasksPerSecondOn: Math.round(tasksPerSecondOn),
    ratio: Number((tasksPerSecondOff / tasksPerSecondOn).toFixed(3)),
  }),
);
