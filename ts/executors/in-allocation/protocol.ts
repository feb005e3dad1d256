import type { RankServiceOptions } from '../exex/pool.js';

/**
 * The one message the in-allocation executor adds to the MPI pool's protocol (`exex/protocol.ts`): worker ranks
 * start before the workflow's code and cannot read its Config, so rank 0 tells every rank the pool's layout and
 * limits first. A rank's first message from rank 0 is either `SETUP` (then it serves until `STOP`) or `STOP` (the
 * workflow ended without using the ranks).
 */
export const SETUP_TAG = 8;

export interface Setup extends RankServiceOptions {
  readonly treeThreshold: number;
  readonly treeFanout: number;
}

export function encodeSetup(s: Setup): Buffer {
  return Buffer.from(JSON.stringify(s));
}

export function decodeSetup(payload: Buffer): Setup {
  const v = JSON.parse(payload.toString('utf8')) as Partial<Setup>;
  for (const key of ['treeThreshold', 'treeFanout', 'hungRankThresholdMs', 'pipelineMs'] as const)
    if (typeof v[key] !== 'number') throw new Error(`malformed SETUP message: ${key} is missing`);
  return v as Setup;
}
