import { SingleNodeLauncher } from '../../launchers/single-node.js';
import { GridEngineProvider } from '../../providers/gridengine/gridengine.js';
import { queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// CC-IN2P3 (Lyon) on Univa Grid Engine, as in Parsl's cc_in2p3.py (two workers per node, 00:20:00). The centre
// has since moved to Slurm (see the `slurm` sites). https://doc.cc.in2p3.fr/en/Computing/job-types/
export const FACTS: SiteFacts = {
  name: 'cc-in2p3',
  title: 'CC-IN2P3 (Grid Engine)',
  scheduler: 'gridengine',
  launcher: 'single-node',
  channel: 'local',
  executor: 'htex',
  mpi: null,
  node: { cores: 2, memGB: 8 },
  status: 'retired',
  note: 'the centre moved from Grid Engine to Slurm',
  hostnames: [/\.in2p3\.fr$/, /^cca/],
  sharedFs: true,
  docs: ['https://doc.cc.in2p3.fr/en/Computing/job-types/'],
  required: [],
  maxWalltime: '48:00:00',
  defaultQueue: null,
};

export const ccIn2p3 = hpcSite(FACTS, {
  provider: (c, o) => {
    const queue = queueOf(FACTS, o);
    return new GridEngineProvider({ ...c, ...(queue ? { queue } : {}) });
  },
  htexLauncher: () => new SingleNodeLauncher(),
  htexOptions: () => ({ maxWorkersPerNode: 2 }),
  mpi: null,
  exexLauncher: null,
});
