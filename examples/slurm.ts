/**
 * A cluster config: HTEX worker pools in Slurm jobs. Adjust partition/account/walltime for your site (or use
 * a ready site config: `parsl-ts site-test --list`). The Slurm commands find the cluster as usual (SLURM_CONF).
 * `node --import tsx examples/slurm.ts [partition]`
 */
import * as parsl from 'parsl-ts';

const partition = process.argv[2];
const dfk = await parsl.load(
  new parsl.Config({
    executors: [
      new parsl.HighThroughputExecutor({
        label: 'slurm_htex',
        maxWorkersPerNode: 2,
        provider: new parsl.SlurmProvider({
          ...(partition ? { partition } : {}),
          nodesPerBlock: 1,
          initBlocks: 1,
          maxBlocks: 1,
          walltime: '00:10:00',
          exclusive: false,
          launcher: new parsl.SrunLauncher(),
        }),
      }),
    ],
  }),
);
try {
  const where = parsl.app(async () => {
    const { hostname } = await import('node:os');
    return `job ${process.env.SLURM_JOB_ID} on ${hostname()}`;
  });
  const seen = new Set(await Promise.all(Array.from({ length: 20 }, () => where())));
  console.log(`20 tasks ran in Slurm: ${[...seen].join(', ')}`);
} finally {
  await dfk.cleanup();
}
