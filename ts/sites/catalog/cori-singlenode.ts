import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';
import { FACTS as CORI } from './cori.js';

// Cori with the batch script starting one worker pool itself (SingleNodeLauncher). https://docs.nersc.gov/systems/cori/
export const FACTS: SiteFacts = {
  ...CORI,
  name: 'cori-singlenode',
  title: 'Cori KNL (NERSC), SingleNode',
  launcher: 'single-node',
  hostnames: [],
};

export const coriSingleNode = slurmSite(FACTS, { slurm: () => ({ constraint: 'knl' }), singleNode: true });
