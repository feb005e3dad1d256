import { CondorProvider } from '../../providers/condor/condor.js';
import { batchOptions, htex, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// OSG (OSPool) through HTCondor from an Access Point over SSH, as in Parsl's matrix: single-core slots, no shared
// file system, `+ProjectName` required; Parsl's osg.py starts 4 blocks. https://portal.osg-htc.org/documentation/
export const FACTS: SiteFacts = {
  name: 'osg',
  title: 'Open Science Grid (OSPool)',
  scheduler: 'condor',
  launcher: 'single-node',
  channel: 'ssh',
  executor: 'htex',
  mpi: null,
  node: { cores: 1, memGB: 2 },
  status: 'current',
  hostnames: [/osg-htc\.org$/, /osgconnect/, /^ap\d+\.uc\.osg/],
  sharedFs: false,
  docs: ['https://portal.osg-htc.org/documentation/'],
  required: ['account', 'host'],
  maxWalltime: null,
  defaultQueue: null,
};

export const osg: Site = {
  facts: FACTS,
  config(o, ctx = {}) {
    const provider = new CondorProvider({
      ...batchOptions(FACTS, o, ctx),
      project: o.account,
      requirements: 'HAS_SINGULARITY =?= TRUE || OSG_OS_VERSION >= 8',
    });
    return siteConfig(o, ctx, [htex(FACTS, o, provider, { maxWorkersPerNode: 1 })]);
  },
};
