import { hwThreads } from '../build.js';
import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// NERSC Cori KNL (retired May 2023): 68 cores × 4 hardware threads, 96 GB + 16 GB MCDRAM; `-C knl`, `debug`
// ≤ 30 min. Parsl's cori.py used `SrunLauncher(overrides='-c 272')`. Submitted over SSH, as in Parsl's matrix.
// https://docs.nersc.gov/systems/cori/ (archived)
export const FACTS: SiteFacts = {
  name: 'cori',
  title: 'Cori KNL (NERSC), srun',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'ssh',
  executor: 'htex',
  mpi: 'Cray MPICH',
  node: { cores: 68, threadsPerCore: 4, memGB: 96 },
  status: 'retired',
  note: 'retired May 2023; successor: perlmutter',
  hostnames: [/^cori\d*/],
  sharedFs: true,
  docs: ['https://docs.nersc.gov/systems/cori/'],
  required: ['account', 'host'],
  maxWalltime: '00:30:00',
  defaultQueue: 'debug',
  mpicc: 'cc',
};

export const cori = slurmSite(FACTS, {
  slurm: () => ({ constraint: 'knl' }),
  srunOverrides: (node) => `-c ${hwThreads(node)}`,
});
