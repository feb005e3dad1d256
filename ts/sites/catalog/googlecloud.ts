import { GoogleCloudProvider } from '../../providers/googlecloud/googlecloud.js';
import { htex, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// Google Compute Engine: one VM per block started with a startup script. Parsl's site matrix marks Google Cloud
// deferred; the config is here, never run at the site. https://cloud.google.com/compute/docs/instances/startup-scripts/linux
export const FACTS: SiteFacts = {
  name: 'googlecloud',
  title: 'Google Cloud',
  scheduler: 'googlecloud',
  launcher: 'none',
  channel: 'local',
  executor: 'htex',
  mpi: null,
  node: { cores: 2, memGB: 8 },
  status: 'deferred',
  note: "deferred in Parsl's site-test matrix",
  hostnames: [],
  sharedFs: false,
  docs: ['https://cloud.google.com/compute/docs/instances/startup-scripts/linux'],
  required: ['projectId'],
  maxWalltime: null,
  defaultQueue: null,
};

export const googlecloud: Site = {
  facts: FACTS,
  config(o, ctx = {}) {
    const provider = new GoogleCloudProvider({
      label: FACTS.name,
      projectId: o.projectId ?? '<projectId>',
      zone: o.zone ?? 'us-central1-a',
      workerInit: o.workerInit ?? '',
      initBlocks: 1,
      maxBlocks: o.maxBlocks ?? 2,
    });
    return siteConfig(o, ctx, [htex(FACTS, o, provider, { maxWorkersPerNode: FACTS.node.cores })]);
  },
};
