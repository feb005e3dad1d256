import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// PSC Bridges-2 regular memory nodes (Bridges retired 2021): 2 × 64-core EPYC 7742, 256 GB; `RM` ≤ 72 h.
// https://www.psc.edu/resources/bridges-2/user-guide/
export const FACTS: SiteFacts = {
  name: 'bridges',
  title: 'Bridges-2 (PSC), RM',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Open MPI / Intel MPI (modules)',
  node: { cores: 128, memGB: 256 },
  status: 'current',
  note: "Parsl's config targeted Bridges (retired 2021); this one targets Bridges-2",
  hostnames: [/bridges/, /\.psc\.edu$/],
  sharedFs: true,
  docs: ['https://www.psc.edu/resources/bridges-2/user-guide/'],
  required: [],
  maxWalltime: '72:00:00',
  defaultQueue: 'RM',
};

export const bridges = slurmSite(FACTS);
