import { AWSProvider } from '../../providers/aws/aws.js';
import { htex, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// AWS EC2 (Parsl's ec2_single_node.py): one instance per block, the worker started from the instance's user data;
// the AMI must have Node and parsl-ts. https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
export const FACTS: SiteFacts = {
  name: 'ec2',
  title: 'AWS EC2',
  scheduler: 'aws',
  launcher: 'none',
  channel: 'local',
  executor: 'htex',
  mpi: null,
  node: { cores: 2, memGB: 4 },
  status: 'current',
  hostnames: [/\.compute\.internal$/],
  sharedFs: false,
  docs: ['https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html'],
  required: ['imageId', 'keyName'],
  maxWalltime: null,
  defaultQueue: null,
};

/** An EC2 site; `spot` bids for spot instances (Parsl's ec2_spot.py, `spot_max_bid='1.0'`). */
export function ec2Site(facts: SiteFacts, spot: boolean): Site {
  return {
    facts,
    config(o, ctx = {}) {
      const provider = new AWSProvider({
        label: facts.name,
        imageId: o.imageId ?? '<imageId>',
        region: o.region ?? 'us-east-1',
        keyName: o.keyName ?? '<keyName>',
        instanceType: 't3.medium',
        workerInit: o.workerInit ?? '',
        initBlocks: 1,
        maxBlocks: o.maxBlocks ?? 2,
        ...(spot ? { spotMaxBid: 1.0 } : {}),
      });
      return siteConfig(o, ctx, [htex(facts, o, provider, { maxWorkersPerNode: facts.node.cores })]);
    },
  };
}

export const ec2 = ec2Site(FACTS, false);
