import type { SiteFacts } from '../site.js';
import { FACTS as EC2, ec2Site } from './ec2.js';

// AWS EC2 spot instances (Parsl's ec2_spot.py). https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-instances.html
export const FACTS: SiteFacts = {
  ...EC2,
  name: 'ec2-spot',
  title: 'AWS EC2 spot',
  hostnames: [],
  docs: ['https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-instances.html'],
};

export const ec2Spot = ec2Site(FACTS, true);
