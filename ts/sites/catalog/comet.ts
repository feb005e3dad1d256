import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// SDSC Comet (retired 2021): 2 × 12-core Haswell, 128 GB; `debug` ≤ 30 min. Submitted over SSH (Parsl's matrix).
// https://www.sdsc.edu/support/user_guides/comet.html (archived)
export const FACTS: SiteFacts = {
  name: 'comet',
  title: 'Comet (SDSC)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'ssh',
  executor: 'htex',
  mpi: 'MVAPICH2',
  node: { cores: 24, memGB: 128 },
  status: 'retired',
  note: 'retired 2021; successor: expanse',
  hostnames: [/^comet/],
  sharedFs: true,
  docs: ['https://www.sdsc.edu/support/user_guides/comet.html'],
  required: ['account', 'host'],
  maxWalltime: '00:30:00',
  defaultQueue: 'debug',
};

export const comet = slurmSite(FACTS);
