import { SingleNodeLauncher } from '../launchers/single-node.js';
import { SrunLauncher } from '../launchers/srun.js';
import { SlurmProvider, type SlurmProviderOptions } from '../providers/slurm/slurm.js';
import { hwThreads, queueOf } from './build.js';
import { type HpcSiteParts, hpcSite } from './hpc.js';
import type { NodeShape, Site, SiteFacts } from './site.js';

export interface SlurmSiteParts {
  /** Slurm options beyond account and partition (constraint, GPUs, exclusive). */
  slurm?: (node: NodeShape) => Omit<SlurmProviderOptions, 'launcher'>;
  /** Extra srun flags of task-farm blocks. */
  srunOverrides?: (node: NodeShape) => string;
  /** Task-farm blocks start one pool per node with SingleNodeLauncher instead of srun (Parsl's other variant). */
  singleNode?: boolean;
  htexOptions?: HpcSiteParts['htexOptions'];
}

/** A Slurm site: sbatch with the user's account and partition, srun for workers, MPI tasks and ExtremeScale ranks. */
export function slurmSite(facts: SiteFacts, parts: SlurmSiteParts = {}): Site {
  return hpcSite(facts, {
    provider: (c, o, node) =>
      new SlurmProvider({
        ...c,
        ...(o.account ? { account: o.account } : {}),
        partition: queueOf(facts, o),
        // All of the node's cores for the block: an MPI task's srun may use them (steps cannot exceed the job).
        coresPerNode: hwThreads(node),
        ...parts.slurm?.(node),
      }),
    htexLauncher: (node) =>
      parts.singleNode
        ? new SingleNodeLauncher()
        : new SrunLauncher({ overrides: parts.srunOverrides?.(node) ?? '' }),
    ...(parts.htexOptions ? { htexOptions: parts.htexOptions } : {}),
    mpi: { mpiLauncher: 'srun' },
    exexLauncher: () => new SrunLauncher(),
  });
}
