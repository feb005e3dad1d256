import { AprunLauncher } from '../../launchers/aprun.js';
import { TorqueProvider } from '../../providers/torque/torque.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// NCSA Blue Waters (retired Dec 2021): XE nodes, 2 × 16 integer cores (Interlagos), 64 GB; Torque/Moab `normal`
// ≤ 48 h; aprun `-b` (run the binary as found on the compute node). Parsl's bluewaters.py.
// https://bluewaters.ncsa.illinois.edu/using-bluewaters (archived)
export const FACTS: SiteFacts = {
  name: 'bluewaters',
  title: 'Blue Waters (NCSA)',
  scheduler: 'torque',
  launcher: 'aprun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Cray MPICH',
  node: { cores: 32, memGB: 64 },
  status: 'retired',
  note: 'retired Dec 2021',
  hostnames: [/^h2ologin/],
  sharedFs: true,
  docs: ['https://bluewaters.ncsa.illinois.edu/using-bluewaters'],
  required: [],
  maxWalltime: '48:00:00',
  defaultQueue: 'normal',
  mpicc: 'cc',
};

export const bluewaters = hpcSite(FACTS, {
  provider: (c, o) =>
    new TorqueProvider({ ...c, ...(o.account ? { account: o.account } : {}), queue: queueOf(FACTS, o) }),
  htexLauncher: () => new AprunLauncher({ overrides: '-b' }),
  htexOptions: () => ({ coresPerWorker: 1 }),
  mpi: { mpiLauncher: 'aprun' },
  exexLauncher: () => new AprunLauncher({ overrides: '-b' }),
});
