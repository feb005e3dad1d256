import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// UChicago RCC Midway3 (Parsl's Midway config targeted Midway2's `broadwl`, now retired): `caslake` nodes,
// 2 × 24-core Cascade Lake, 192 GB; `#SBATCH --account=pi-<PI>`; caslake ≤ 36 h. Submitted over SSH to the
// login node, as in Parsl's site-test matrix.
// https://docs.rcc.uchicago.edu/midway23/midway_partitions/ , https://docs.rcc.uchicago.edu/slurm/
export const FACTS: SiteFacts = {
  name: 'midway',
  title: 'Midway3 (UChicago RCC), srun',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'ssh',
  executor: 'htex',
  mpi: 'Open MPI / Intel MPI (modules)',
  node: { cores: 48, memGB: 192 },
  status: 'current',
  note: "Parsl's config used Midway2's broadwl partition (retired); this one targets Midway3 caslake",
  hostnames: [/^midway/, /\.rcc\.uchicago\.edu$/],
  sharedFs: true,
  docs: ['https://docs.rcc.uchicago.edu/midway23/midway_partitions/'],
  required: ['account', 'host'],
  maxWalltime: '36:00:00',
  defaultQueue: 'caslake',
};

export const midway = slurmSite(FACTS);
