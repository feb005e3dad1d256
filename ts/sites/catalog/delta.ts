import { perAccelerator } from '../build.js';
import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';

// NCSA Delta `gpuA100x4`: 1 × 64-core EPYC 7763, 4 A100, 256 GB; `--constraint=scratch`, `--gpus-per-node`,
// not exclusive (Parsl's delta.py); ≤ 48 h. https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/running_jobs.html
export const FACTS: SiteFacts = {
  name: 'delta',
  title: 'Delta (NCSA), gpuA100x4',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Cray MPICH / Open MPI',
  node: { cores: 64, memGB: 256, gpus: 4, gpuModel: 'NVIDIA A100' },
  status: 'current',
  hostnames: [/^dt-login/, /delta/, /\.delta\.ncsa\.illinois\.edu$/],
  sharedFs: true,
  docs: ['https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/running_jobs.html'],
  required: ['account'],
  maxWalltime: '48:00:00',
  defaultQueue: 'gpuA100x4',
};

export const delta = slurmSite(FACTS, {
  slurm: (node) => ({
    constraint: 'scratch',
    exclusive: false,
    ...(node.gpus ? { gpusPerNode: node.gpus } : {}),
  }),
  htexOptions: perAccelerator,
});
