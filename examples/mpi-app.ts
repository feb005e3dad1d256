/**
 * MPI applications as tasks (MPIExecutor): each bash app says how many ranks it needs and starts its program
 * with `$PARSL_MPI_PREFIX`, which the executor fills with the mpiexec line for the nodes it gave the task.
 * Here the program is `printenv` of the rank variable; on a cluster it is your MPI binary.
 * `node --import tsx examples/mpi-app.ts` (needs MPICH: apt-get install mpich)
 */
import * as parsl from 'parsl-ts';

const dfk = await parsl.load(
  new parsl.Config({
    executors: [
      new parsl.MPIExecutor({
        label: 'mpi',
        mpiexec: 'mpiexec.mpich',
        hosts: ['localhost'], // this machine as a one-node block; on Slurm/PBS/LSF the block's nodes are read
        slotsPerNode: 4,
        provider: new parsl.LocalProvider({ initBlocks: 1 }),
      }),
    ],
  }),
);
try {
  const ranks = parsl.bashApp(
    (out: string, _kw: { resourceSpecification: parsl.MPIResourceSpecification }) =>
      `$PARSL_MPI_PREFIX printenv PMI_RANK > ${out}`,
  );
  const { readFileSync } = await import('node:fs');
  for (const numRanks of [2, 4]) {
    const out = `${dfk.runDir}/ranks-${numRanks}.txt`;
    await ranks(out, { resourceSpecification: { numNodes: 1, numRanks } });
    const seen = readFileSync(out, 'utf8').trim().split('\n').map(Number).sort();
    console.log(`${numRanks}-rank MPI app: ranks ${seen.join(' ')} answered`);
  }
} finally {
  await dfk.cleanup();
}
