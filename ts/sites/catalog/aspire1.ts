import { MpiRunLauncher } from '../../launchers/mpi.js';
import { PBSProProvider } from '../../providers/pbspro/pbspro.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// NSCC Singapore ASPIRE 1 (replaced by ASPIRE 2A): 2 × 12-core Haswell, 128 GB; PBS Pro `normal` ≤ 24 h;
// Parsl's ASPIRE1.py / nscc_singapore.py: MpiRunLauncher, `cpus_per_node=24`.
// https://www.nscc.sg/ (ASPIRE 1 user guide, archived)
export const FACTS: SiteFacts = {
  name: 'aspire1',
  title: 'ASPIRE 1 (NSCC Singapore)',
  scheduler: 'pbspro',
  launcher: 'mpirun',
  channel: 'local',
  executor: 'htex',
  mpi: 'Intel MPI',
  node: { cores: 24, memGB: 128 },
  status: 'retired',
  note: 'replaced by ASPIRE 2A',
  hostnames: [/nscc/, /aspire/],
  sharedFs: true,
  docs: ['https://www.nscc.sg/'],
  required: [],
  maxWalltime: '24:00:00',
  defaultQueue: 'normal',
};

export const aspire1 = hpcSite(FACTS, {
  provider: (c, o, node) =>
    new PBSProProvider({
      ...c,
      ...(o.account ? { account: o.account } : {}),
      queue: queueOf(FACTS, o),
      cpusPerNode: node.cores,
    }),
  htexLauncher: () => new MpiRunLauncher(),
  mpi: { mpiLauncher: 'mpiexec', mpiexec: 'mpirun', mpiexecStyle: 'mpich' },
  exexLauncher: () => new MpiRunLauncher(),
});
