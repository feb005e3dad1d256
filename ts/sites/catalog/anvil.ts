import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// Purdue Anvil CPU nodes: 2 × 64-core EPYC 7763, 256 GB; `wholenode` ≤ 96 h (`debug` ≤ 2 h). Parsl's anvil.py
// uses the `gpu` partition with 1 GPU, not exclusive. https://www.rcac.purdue.edu/knowledge/anvil/run/partitions
export const FACTS: SiteFacts = {
  name: 'anvil',
  title: 'Anvil (Purdue)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Open MPI / Intel MPI (modules)',
  node: { cores: 128, memGB: 256 },
  status: 'current',
  hostnames: [/anvil/, /\.anvil\.rcac\.purdue\.edu$/],
  sharedFs: true,
  docs: ['https://www.rcac.purdue.edu/knowledge/anvil/run/partitions'],
  required: ['account'],
  maxWalltime: '02:00:00',
  defaultQueue: 'debug',
};

export const anvil = slurmSite(FACTS, { slurm: () => ({ exclusive: false }) });
