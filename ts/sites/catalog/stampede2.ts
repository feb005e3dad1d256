import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// TACC Stampede2 KNL (retired 2024): 68 cores, 96 GB + 16 GB MCDRAM; `development` ≤ 2 h.
// https://portal.tacc.utexas.edu/user-guides/stampede2 (archived)
export const FACTS: SiteFacts = {
  name: 'stampede2',
  title: 'Stampede2 (TACC)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Intel MPI',
  node: { cores: 68, threadsPerCore: 4, memGB: 96 },
  status: 'retired',
  note: 'retired 2024; successor: Stampede3',
  hostnames: [/stampede2/],
  sharedFs: true,
  docs: ['https://portal.tacc.utexas.edu/user-guides/stampede2'],
  required: ['account'],
  maxWalltime: '02:00:00',
  defaultQueue: 'development',
};

export const stampede2 = slurmSite(FACTS);
