import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// TACC Frontera: 2 × 28-core Cascade Lake, 192 GB; `development` ≤ 2 h (`normal` ≤ 48 h); `-A <allocation>`.
// https://frontera-portal.tacc.utexas.edu/user-guide/running/
export const FACTS: SiteFacts = {
  name: 'frontera',
  title: 'Frontera (TACC)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Intel MPI',
  node: { cores: 56, memGB: 192 },
  status: 'current',
  hostnames: [/frontera/],
  sharedFs: true,
  docs: ['https://frontera-portal.tacc.utexas.edu/user-guide/running/'],
  required: ['account'],
  maxWalltime: '02:00:00',
  defaultQueue: 'development',
};

export const frontera = slurmSite(FACTS);
