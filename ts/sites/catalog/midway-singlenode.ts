import type { SiteFacts } from '../site.js';
import { slurmSite } from '../slurm-site.js';
import { FACTS as MIDWAY } from './midway.js';

// Midway3 with one worker pool started by the batch script itself (SingleNodeLauncher), the other variant of
// Parsl's site-test matrix. https://docs.rcc.uchicago.edu/midway23/midway_partitions/
export const FACTS: SiteFacts = {
  ...MIDWAY,
  name: 'midway-singlenode',
  title: 'Midway3 (UChicago RCC), SingleNode',
  launcher: 'single-node',
  hostnames: [],
};

export const midwaySingleNode = slurmSite(FACTS, { singleNode: true });
