/**
 * A parallel workflow: fan out (independent tasks run at once), then fan in (one task takes all their futures
 * and starts when the last one finishes). `node --import tsx examples/parallel.ts`
 */
import * as parsl from 'parsl-ts';

const dfk = await parsl.load();
try {
  const simulate = parsl.app(async (seed: number) => {
    await new Promise((r) => setTimeout(r, 50)); // stands for real work
    return (seed * 7919) % 101;
  });
  const total = parsl.app((values: number[]) => values.reduce((a, b) => a + b, 0));

  const runs = Array.from({ length: 10 }, (_, i) => simulate(i)); // fan out: 10 tasks in flight
  const sum = total(runs); // fan in: an array of futures is a dependency
  console.log(`fan-out of ${runs.length} tasks, fan-in total = ${await sum}`);
} finally {
  await dfk.cleanup();
}
