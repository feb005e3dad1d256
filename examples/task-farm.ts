/**
 * An ExtremeScale task farm: one MPI job per block, rank 0 takes task batches from the interchange and hands
 * them to the worker ranks. This is Parsl's local config; a one-node block gets the mpiexec of the installed
 * MPI. `node --import tsx examples/task-farm.ts [tasks]` (needs an MPI and the addon: npm run build:native)
 */
import * as parsl from 'parsl-ts';

const n = Number(process.argv[2] ?? 200);
const dfk = await parsl.load(
  new parsl.Config({
    executors: [new parsl.ExtremeScaleExecutor({ ranksPerNode: 4, provider: new parsl.LocalProvider() })],
  }),
);
try {
  const work = parsl.app((x: number) => ({
    value: x * 2,
    rank: Number(process.env.PMI_RANK ?? process.env.OMPI_COMM_WORLD_RANK),
    size: Number(process.env.PMI_SIZE ?? process.env.OMPI_COMM_WORLD_SIZE),
  }));
  const results = await Promise.all(Array.from({ length: n }, (_, i) => work(i)));
  const sum = results.reduce((a, r) => a + r.value, 0);
  const onWorkers = results.every((r) => r.rank > 0);
  console.log(
    `${n} tasks farmed out to an MPI job of ${results[0]!.size} ranks (all on worker ranks: ${onWorkers}); sum = ${sum}`,
  );
} finally {
  await dfk.cleanup();
}
