import { JsrunLauncher } from '../../launchers/jsrun.js';
import { LSFProvider } from '../../providers/lsf/lsf.js';
import { perAccelerator, queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// OLCF Summit (retired Nov 2024): 2 × POWER9 (42 usable cores), 6 V100, 512 GB; LSF `batch`, 1–45 nodes ≤ 2 h;
// jsrun. Parsl's summit.py: `worker_port_range=(50000, 55000)`. MPI tasks use Spectrum MPI's mpirun (an Open
// MPI): PARSL_MPI_PREFIX has no jsrun form.
// https://docs.olcf.ornl.gov/systems/summit_user_guide.html
export const FACTS: SiteFacts = {
  name: 'summit',
  title: 'Summit (OLCF)',
  scheduler: 'lsf',
  launcher: 'jsrun',
  channel: 'local',
  executor: 'htex',
  mpi: 'IBM Spectrum MPI',
  node: { cores: 42, memGB: 512, gpus: 6, gpuModel: 'NVIDIA V100' },
  status: 'retired',
  note: 'retired Nov 2024; successor: frontier',
  hostnames: [/summit/, /^login\d+\.summit/],
  sharedFs: true,
  docs: ['https://docs.olcf.ornl.gov/systems/summit_user_guide.html'],
  required: ['account'],
  maxWalltime: '02:00:00',
  defaultQueue: 'batch',
};

export const summit = hpcSite(FACTS, {
  provider: (c, o) => new LSFProvider({ ...c, project: o.account, queue: queueOf(FACTS, o) }),
  htexLauncher: () => new JsrunLauncher(),
  htexOptions: (node) => ({ workerPortRange: [50000, 55000], ...perAccelerator(node) }),
  mpi: { mpiLauncher: 'mpiexec', mpiexec: 'mpirun', mpiexecStyle: 'openmpi' },
  exexLauncher: () => new JsrunLauncher(),
});
