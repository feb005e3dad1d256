/**
 * Resume after a crash: run it, interrupt it (Ctrl-C or kill -9) while it works, run it again: finished tasks
 * are not recomputed. `node --import tsx examples/checkpoint.ts`
 */
import * as parsl from 'parsl-ts';

const slowSquare = parsl.app(
  async (x: number) => {
    await new Promise((r) => setTimeout(r, 200));
    return x * x;
  },
  { cache: true },
);

// With a checkpoint mode and no checkpointFiles, earlier runs under the same runDir are loaded.
const dfk = await parsl.load(
  new parsl.Config({ checkpointMode: 'task_exit', runDir: 'runinfo-checkpoint-example' }),
);
try {
  const fs = Array.from({ length: 40 }, (_, i) => slowSquare(i));
  const values = await Promise.all(fs);
  const reused = fs.filter((f) => f.taskStatus() === 'memo_done').length;
  console.log(
    `sum = ${values.reduce((a, b) => a + b, 0)}; ${reused} of ${fs.length} results came from checkpoints`,
  );
} finally {
  await dfk.cleanup();
}
