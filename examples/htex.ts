/**
 * The HighThroughputExecutor on this machine: an interchange and one worker pool in a local block.
 * `node --import tsx examples/htex.ts`
 */
import * as parsl from 'parsl-ts';

const dfk = await parsl.load(
  new parsl.Config({
    executors: [
      new parsl.HighThroughputExecutor({
        label: 'htex',
        maxWorkersPerNode: 2,
        provider: new parsl.LocalProvider({
          launcher: new parsl.SimpleLauncher(),
          initBlocks: 1,
          maxBlocks: 1,
        }),
      }),
    ],
  }),
);
try {
  const where = parsl.app(async () => {
    const os = await import('node:os');
    return `${os.hostname()} pid ${process.pid} worker ${process.env.PARSL_WORKER_RANK}`;
  });
  const answers = await Promise.all(Array.from({ length: 8 }, () => where()));
  console.log([...new Set(answers)].join('\n'));
} finally {
  await dfk.cleanup();
}
