import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// SDSC Expanse `compute`: 2 × 64-core EPYC 7742, 256 GB, ≤ 48 h; `--account`. Parsl's expanse.py: mwpn 32.
// https://www.sdsc.edu/support/user_guides/expanse.html
export const FACTS: SiteFacts = {
  name: 'expanse',
  title: 'Expanse (SDSC)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Open MPI / MVAPICH2 (modules)',
  node: { cores: 128, memGB: 256 },
  status: 'current',
  hostnames: [/expanse/, /\.sdsc\.edu$/],
  sharedFs: true,
  docs: ['https://www.sdsc.edu/support/user_guides/expanse.html'],
  required: ['account'],
  maxWalltime: '48:00:00',
  defaultQueue: 'compute',
};

export const expanse = slurmSite(FACTS);
