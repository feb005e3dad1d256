import { SrunLauncher } from '../../launchers/srun.js';
import { SlurmProvider } from '../../providers/slurm/slurm.js';
import { hwThreads, perAccelerator, queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// NERSC Perlmutter GPU nodes: 1 AMD EPYC 7763 (64 cores), 4 NVIDIA A100, 256 GB; `-C gpu`, `-q debug` ≤ 30 min.
// https://docs.nersc.gov/systems/perlmutter/architecture/ , https://docs.nersc.gov/jobs/policy/ ,
// https://docs.nersc.gov/jobs/workflow/parsl/ (SlurmProvider + SrunLauncher)
export const FACTS: SiteFacts = {
  name: 'perlmutter',
  title: 'Perlmutter (NERSC), GPU nodes',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Cray MPICH',
  node: { cores: 64, threadsPerCore: 2, memGB: 256, gpus: 4, gpuModel: 'NVIDIA A100' },
  status: 'current',
  hostnames: [/^login\d+\.perlmutter/, /perlmutter/, /\.nersc\.gov$/],
  sharedFs: true,
  docs: [
    'https://docs.nersc.gov/systems/perlmutter/architecture/',
    'https://docs.nersc.gov/jobs/workflow/parsl/',
  ],
  required: ['account'],
  maxWalltime: '00:30:00',
  defaultQueue: 'debug',
  mpicc: 'cc',
};

export const perlmutter = hpcSite(FACTS, {
  provider: (c, o, node) =>
    new SlurmProvider({
      ...c,
      account: o.account,
      qos: queueOf(FACTS, o),
      constraint: 'gpu',
      exclusive: true,
      ...(node.gpus ? { gpusPerNode: node.gpus } : {}),
    }),
  htexLauncher: (node) => new SrunLauncher({ overrides: `-c ${hwThreads(node)}` }),
  htexOptions: perAccelerator,
  mpi: { mpiLauncher: 'srun' },
  exexLauncher: () => new SrunLauncher({ overrides: '--cpu-bind=cores' }),
});
