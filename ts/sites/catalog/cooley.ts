import { MpiRunLauncher } from '../../launchers/mpi.js';
import { CobaltProvider } from '../../providers/cobalt/cobalt.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// ALCF Cooley (retired 2023): 2 × 6-core Haswell, 1 Tesla K80 (2 GPUs), 384 GB; Cobalt `debug` ≤ 1 h; MVAPICH2
// mpirun. Reached with an SSH interactive login (one-time passwords), as in Parsl's site-test matrix.
// https://www.alcf.anl.gov/support-center/cooley (archived)
export const FACTS: SiteFacts = {
  name: 'cooley',
  title: 'Cooley (ALCF)',
  scheduler: 'cobalt',
  launcher: 'mpirun',
  channel: 'ssh-interactive',
  executor: 'htex',
  mpi: 'MVAPICH2',
  node: { cores: 12, memGB: 384, gpus: 2, gpuModel: 'NVIDIA K80' },
  status: 'retired',
  note: 'retired 2023',
  hostnames: [/^cooleylogin/, /cooley/],
  sharedFs: true,
  docs: ['https://www.alcf.anl.gov/support-center/cooley'],
  required: ['account', 'host'],
  maxWalltime: '01:00:00',
  defaultQueue: 'debug',
};

export const cooley = hpcSite(FACTS, {
  provider: (c, o) => new CobaltProvider({ ...c, account: o.account, queue: queueOf(FACTS, o) }),
  htexLauncher: () => new MpiRunLauncher(),
  mpi: { mpiLauncher: 'mpiexec', mpiexec: 'mpirun', mpiexecStyle: 'mpich' },
  exexLauncher: () => new MpiRunLauncher(),
});
