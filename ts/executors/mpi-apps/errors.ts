import { ParslError, registerErrorClass } from '../../errors.js';
import { InvalidResourceSpecification } from '../errors.js';

/**
 * An MPI task's resource specification is incomplete or inconsistent (`numNodes × ranksPerNode ≠ numRanks`,
 * a non-integer count, fewer than two of the three counts, or more than the block has). It fails the task at
 * submit, never later: Parsl #3427 hung on such specs.
 */
export class InvalidMPIResourceSpecification extends InvalidResourceSpecification {
  constructor(reason: string, invalidKeys: readonly string[] = []) {
    super(invalidKeys, `invalid MPI resource specification: ${reason}`);
  }
}

/** The block's node list could not be found or parsed. */
export class NodeListError extends ParslError {}

registerErrorClass(InvalidMPIResourceSpecification, NodeListError);
