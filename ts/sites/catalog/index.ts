import type { Site } from '../site.js';
import { adhoc } from './adhoc.js';
import { anvil } from './anvil.js';
import { aspire1 } from './aspire1.js';
import { aurora } from './aurora.js';
import { bluewaters } from './bluewaters.js';
import { bridges } from './bridges.js';
import { ccIn2p3 } from './cc-in2p3.js';
import { comet } from './comet.js';
import { cooley } from './cooley.js';
import { cori } from './cori.js';
import { coriSingleNode } from './cori-singlenode.js';
import { azure, jetstream, llnlToss } from './deferred.js';
import { delta } from './delta.js';
import { ec2 } from './ec2.js';
import { ec2Spot } from './ec2-spot.js';
import { expanse } from './expanse.js';
import { frontera } from './frontera.js';
import { frontier } from './frontier.js';
import { googlecloud } from './googlecloud.js';
import { kubernetes } from './kubernetes.js';
import { local, local_openmpi } from './local.js';
import { midway } from './midway.js';
import { midwaySingleNode } from './midway-singlenode.js';
import { osg } from './osg.js';
import { perlmutter } from './perlmutter.js';
import { polaris } from './polaris.js';
import { stampede2 } from './stampede2.js';
import { summit } from './summit.js';
import { swan } from './swan.js';
import { theta } from './theta.js';

/** Every site, in the matrix's order: today's machines, then Parsl's historical matrix, then clouds and rows. */
export const SITES: readonly Site[] = [
  local,
  local_openmpi,
  perlmutter,
  polaris,
  aurora,
  frontier,
  frontera,
  delta,
  anvil,
  expanse,
  bridges,
  midway,
  midwaySingleNode,
  osg,
  ccIn2p3,
  theta,
  cooley,
  cori,
  coriSingleNode,
  comet,
  summit,
  bluewaters,
  stampede2,
  swan,
  aspire1,
  kubernetes,
  adhoc,
  ec2,
  ec2Spot,
  googlecloud,
  azure,
  jetstream,
  llnlToss,
];
