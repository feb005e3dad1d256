import { SrunLauncher } from '../../launchers/srun.js';
import { SlurmProvider } from '../../providers/slurm/slurm.js';
import { perAccelerator, queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// OLCF Frontier: 1 AMD EPYC 7A53 (64 cores, 56 usable with low-noise mode), 4 MI250X = 8 GCDs, 512 GB;
// `batch` partition, 0–91 nodes ≤ 2 h. https://docs.olcf.ornl.gov/systems/frontier_user_guide.html
export const FACTS: SiteFacts = {
  name: 'frontier',
  title: 'Frontier (OLCF)',
  scheduler: 'slurm',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Cray MPICH',
  node: { cores: 56, threadsPerCore: 2, memGB: 512, gpus: 4, tiles: 8, gpuModel: 'AMD MI250X (8 GCDs)' },
  status: 'current',
  hostnames: [/^login\d+\.frontier/, /frontier/, /\.olcf\.ornl\.gov$/],
  sharedFs: true,
  docs: ['https://docs.olcf.ornl.gov/systems/frontier_user_guide.html'],
  required: ['account'],
  maxWalltime: '02:00:00',
  defaultQueue: 'batch',
  mpicc: 'cc',
};

export const frontier = hpcSite(FACTS, {
  provider: (c, o) => new SlurmProvider({ ...c, account: o.account, partition: queueOf(FACTS, o) }),
  htexLauncher: (node) => new SrunLauncher({ overrides: node.tiles ? `--gpus-per-node=${node.tiles}` : '' }),
  // One worker per GCD, each seeing only its own in ROCR_VISIBLE_DEVICES.
  htexOptions: perAccelerator,
  mpi: { mpiLauncher: 'srun' },
  exexLauncher: () => new SrunLauncher({ overrides: '--threads-per-core=1' }),
});
