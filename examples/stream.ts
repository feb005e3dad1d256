/**
 * An endless stream of tasks in flat memory: `node --import tsx examples/stream.ts [tasks]`.
 * parsl.map reads the generator only as fast as results come back (at most `window` in flight), and `break`
 * stops it: the loop ends once the tasks still in flight have finished.
 */
import * as parsl from 'parsl-ts';

const wanted = Number(process.argv[2] ?? 200);
const estimatePi = parsl.app((samples: number) => {
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
});

function* forever(samples: number): Generator<number> {
  for (;;) yield samples;
}

const dfk = await parsl.load();
try {
  const samples = 10_000;
  let tasks = 0;
  let inside = 0;
  for await (const n of parsl.map(estimatePi, forever(samples), { window: 8, ordered: false })) {
    inside += n;
    if (++tasks === wanted) break;
  }
  console.log(
    `pi ≈ ${((4 * inside) / (tasks * samples)).toFixed(5)} from ${tasks} tasks of an endless stream`,
  );
  console.log(`tasks submitted: ${dfk.taskCount} (at most ${wanted} + the window of 8)`);
} finally {
  await dfk.cleanup();
}
