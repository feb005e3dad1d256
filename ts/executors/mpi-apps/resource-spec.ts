import type { TaskResources } from '../htex/task-codec.js';
import { InvalidMPIResourceSpecification } from './errors.js';

/** What an MPI app asks for in `resourceSpecification`: two of the three counts, and launcher flags. */
export interface MPIResourceSpecification {
  numNodes?: number;
  ranksPerNode?: number;
  numRanks?: number;
  /** Extra flags for the MPI launcher of this task (e.g. `--bind-to core`). */
  launcherOptions?: string;
  /** Lower runs first (as in HTEX). */
  priority?: number;
}

/** A checked specification: all three counts, consistent. It travels to the pool in the task's header. */
export type ResolvedMPISpec = TaskResources;

/** What one block offers: its nodes, and MPI ranks a node runs at once. */
export interface BlockLimits {
  readonly nodes: number;
  readonly slotsPerNode: number;
}

const KEYS = new Set(['numNodes', 'ranksPerNode', 'numRanks', 'launcherOptions', 'priority']);

function count(spec: Record<string, unknown>, key: string): number | null {
  const v = spec[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new InvalidMPIResourceSpecification(`${key} must be an integer ≥ 1, got ${JSON.stringify(v)}`, [
      key,
    ]);
  return v;
}

/**
 * Derives the missing count from the other two and checks that all three agree. Throws
 * {@link InvalidMPIResourceSpecification} with what to fix; `limits` (the block's nodes and slots per node)
 * rejects a task that could never run instead of leaving it in the backlog for ever.
 */
export function resolveMPISpec(
  spec: Readonly<Record<string, unknown>>,
  limits?: BlockLimits,
): ResolvedMPISpec {
  const unknown = Object.keys(spec).filter((k) => !KEYS.has(k));
  if (unknown.length > 0)
    throw new InvalidMPIResourceSpecification(
      `unknown keys ${JSON.stringify(unknown)}; MPIExecutor accepts numNodes, ranksPerNode, numRanks, launcherOptions, priority`,
      unknown,
    );
  let nodes = count(spec, 'numNodes');
  let ppn = count(spec, 'ranksPerNode');
  let ranks = count(spec, 'numRanks');
  const given = [nodes, ppn, ranks].filter((v) => v !== null).length;
  if (given < 2)
    throw new InvalidMPIResourceSpecification(
      'give at least two of numNodes, ranksPerNode and numRanks (the third is derived), e.g. { numNodes: 1, numRanks: 4 }',
    );
  if (ranks === null) ranks = nodes! * ppn!;
  else if (ppn === null) {
    if (ranks % nodes! !== 0)
      throw new InvalidMPIResourceSpecification(`numRanks ${ranks} is not a multiple of numNodes ${nodes}`);
    ppn = ranks / nodes!;
  } else if (nodes === null) {
    if (ranks % ppn !== 0)
      throw new InvalidMPIResourceSpecification(`numRanks ${ranks} is not a multiple of ranksPerNode ${ppn}`);
    nodes = ranks / ppn;
  }
  if (nodes! * ppn! !== ranks)
    throw new InvalidMPIResourceSpecification(
      `numNodes ${nodes} × ranksPerNode ${ppn} = ${nodes! * ppn!}, not numRanks ${ranks}`,
    );
  const lo = spec.launcherOptions ?? '';
  if (typeof lo !== 'string')
    throw new InvalidMPIResourceSpecification('launcherOptions must be a string', ['launcherOptions']);
  if (spec.priority !== undefined && typeof spec.priority !== 'number')
    throw new InvalidMPIResourceSpecification('priority must be a number', ['priority']);
  const resolved = { numNodes: nodes!, ranksPerNode: ppn!, numRanks: ranks, launcherOptions: lo };
  if (limits) checkBlockLimits(resolved, limits);
  return resolved;
}

/** Refuses a task that could never run in this block, instead of leaving it in the backlog for ever. */
export function checkBlockLimits(spec: ResolvedMPISpec, limits: BlockLimits): void {
  if (spec.numNodes > limits.nodes)
    throw new InvalidMPIResourceSpecification(
      `numNodes ${spec.numNodes} is more than the block's ${limits.nodes} node(s)`,
    );
  if (spec.ranksPerNode > limits.slotsPerNode)
    throw new InvalidMPIResourceSpecification(
      `ranksPerNode ${spec.ranksPerNode} is more than the ${limits.slotsPerNode} slots of a node`,
    );
}
