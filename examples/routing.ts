/**
 * Several executors in one Config, and apps routed to them by label: CPU-bound JavaScript to a worker-thread
 * pool, I/O-bound async work on the main thread, shell commands to an HTEX worker pool. An app without
 * `executors` may run on any of them. `node --import tsx examples/routing.ts`
 */
import * as parsl from 'parsl-ts';

const dfk = await parsl.load(
  new parsl.Config({
    executors: [
      new parsl.ThreadPoolExecutor({ label: 'cpu', maxThreads: 2 }),
      new parsl.InProcessExecutor({ label: 'io' }),
      new parsl.HighThroughputExecutor({
        label: 'htex',
        maxWorkersPerNode: 1,
        provider: new parsl.LocalProvider({ initBlocks: 1, maxBlocks: 1 }),
      }),
    ],
  }),
);
try {
  const threadKind = async () => {
    const { isMainThread } = await import('node:worker_threads');
    return isMainThread ? 'the main thread' : 'a worker thread';
  };
  const onCpu = parsl.app(threadKind, { executors: ['cpu'] });
  const onIo = parsl.app(threadKind, { executors: ['io'] });
  const shell = parsl.bashApp((out: string) => `echo "pid $$" > ${out}`, { executors: ['htex'] });

  console.log(`cpu app ran in ${await onCpu()}`);
  console.log(`io app ran in ${await onIo()}`);
  const out = `${dfk.runDir}/where.txt`;
  await shell(out);
  const { readFileSync } = await import('node:fs');
  const pid = Number(readFileSync(out, 'utf8').trim().split(' ')[1]);
  console.log(`htex app ran in another process: ${pid !== process.pid}`);
} finally {
  await dfk.cleanup();
}
