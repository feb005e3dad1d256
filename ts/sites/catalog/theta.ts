import { AprunLauncher } from '../../launchers/aprun.js';
import { CobaltProvider } from '../../providers/cobalt/cobalt.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// ALCF Theta (retired Dec 2023): KNL 7230, 64 cores, 192 GB + 16 GB MCDRAM; Cobalt, `debug-cache-quad` ≤ 1 h;
// aprun (`-d` cores per process). Parsl had three Theta configs: HTEX with `AprunLauncher(overrides="-d 64")`,
// the MPI executor and the ExtremeScaleExecutor; this config holds all three executors.
// https://www.alcf.anl.gov/support-center/theta (archived)
export const FACTS: SiteFacts = {
  name: 'theta',
  title: 'Theta (ALCF)',
  scheduler: 'cobalt',
  launcher: 'aprun',
  channel: 'local',
  executor: 'exex',
  mpi: 'Cray MPICH',
  node: { cores: 64, threadsPerCore: 4, memGB: 192 },
  status: 'retired',
  note: 'retired Dec 2023; successors: polaris, aurora',
  hostnames: [/^thetalogin/, /theta/],
  sharedFs: true,
  docs: ['https://www.alcf.anl.gov/support-center/theta'],
  required: ['account'],
  maxWalltime: '01:00:00',
  defaultQueue: 'debug-cache-quad',
  mpicc: 'cc',
};

export const theta = hpcSite(FACTS, {
  provider: (c, o) => new CobaltProvider({ ...c, account: o.account, queue: queueOf(FACTS, o) }),
  htexLauncher: (node) => new AprunLauncher({ overrides: `-d ${node.cores}` }),
  mpi: { mpiLauncher: 'aprun' },
  exexLauncher: () => new AprunLauncher({ overrides: '-d 1' }),
});
