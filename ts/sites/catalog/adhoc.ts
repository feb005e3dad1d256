import { SSHChannel } from '../../channels/ssh.js';
import { AdHocProvider } from '../../providers/adhoc/adhoc.js';
import { htex, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// An ad hoc cluster: a list of hosts reached over SSH, one worker pool per host, no scheduler (Parsl's
// AdHocProvider). https://parsl.readthedocs.io/en/stable/userguide/configuration/execution.html
export const FACTS: SiteFacts = {
  name: 'adhoc',
  title: 'Ad hoc cluster (SSH hosts)',
  scheduler: 'adhoc',
  launcher: 'simple',
  channel: 'ssh',
  executor: 'htex',
  mpi: null,
  node: { cores: 2 },
  status: 'current',
  hostnames: [],
  sharedFs: false,
  docs: ['https://parsl.readthedocs.io/en/stable/userguide/configuration/execution.html'],
  required: ['hosts'],
  maxWalltime: null,
  defaultQueue: null,
};

export const adhoc: Site = {
  facts: FACTS,
  config(o, ctx = {}) {
    const channels = ctx.channel
      ? [ctx.channel]
      : (o.hosts ?? ['<hosts>']).map(
          (hostname) =>
            new SSHChannel({
              hostname,
              ...(o.username ? { username: o.username } : {}),
              ...(o.keyFilename ? { keyFilename: o.keyFilename } : {}),
              ...(o.port ? { port: o.port } : {}),
            }),
        );
    const provider = new AdHocProvider({ label: FACTS.name, channels, workerInit: o.workerInit ?? '' });
    return siteConfig(o, ctx, [htex(FACTS, o, provider, { maxWorkersPerNode: FACTS.node.cores })]);
  },
};
