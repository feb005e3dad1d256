import { AprunLauncher } from '../../launchers/aprun.js';
import { TorqueProvider } from '../../providers/torque/torque.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// Cray's Swan (a Cray XC development system, no public user guide): Torque over SSH to swan.cray.com, aprun.
// Parsl's tests/configs/swan_htex.py (deleted with channels in 2024) is the only description.
export const FACTS: SiteFacts = {
  name: 'swan',
  title: 'Swan (Cray)',
  scheduler: 'torque',
  launcher: 'aprun',
  channel: 'ssh',
  executor: 'htex',
  mpi: 'Cray MPICH',
  node: { cores: 36, memGB: 128 },
  status: 'retired',
  note: 'a Cray-internal system; Parsl dropped its config in 2024',
  hostnames: [/^swan/],
  sharedFs: true,
  docs: ['https://github.com/Parsl/parsl/blob/1.2.0/parsl/tests/configs/swan_htex.py'],
  required: ['host'],
  maxWalltime: '04:00:00',
  defaultQueue: null,
  mpicc: 'cc',
};

export const swan = hpcSite(FACTS, {
  provider: (c, o) =>
    new TorqueProvider({ ...c, ...(o.account ? { account: o.account } : {}), queue: queueOf(FACTS, o) }),
  htexLauncher: () => new AprunLauncher(),
  mpi: { mpiLauncher: 'aprun' },
  exexLauncher: () => new AprunLauncher(),
});
