/**
 * A workflow that runs inside one allocation: `mpiexec -n 4 parsl-ts run examples/in-allocation/workflow.mjs [n]`
 * (or `srun parsl-ts run …`, see slurm.sh and pbs.sh). Rank 0 runs this file once; ranks 1..N-1 run its tasks.
 */
import * as parsl from 'parsl-ts';

const n = Number(process.argv[2] ?? 1000);
const estimatePi = parsl.app((samples) => {
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return { inside, rank: process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? process.env.PMIX_RANK };
});

const ex = new parsl.MPICommExecutor();
const dfk = await parsl.load({ executors: [ex], retries: 1 });
try {
  const samples = 100_000;
  const parts = await Promise.all(Array.from({ length: n }, () => estimatePi(samples)));
  const inside = parts.reduce((a, p) => a + p.inside, 0);
  const ranks = new Set(parts.map((p) => p.rank));
  console.log(
    `pi ≈ ${((4 * inside) / (n * samples)).toFixed(5)} from ${n} tasks on ${ranks.size} of ${ex.workers} worker ranks`,
  );
} finally {
  await dfk.cleanup();
}
