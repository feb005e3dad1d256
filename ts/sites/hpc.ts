/**
 * The shape shared by every batch-scheduled HPC site: a task-farm executor that starts at once, plus an
 * MPIExecutor and an ExtremeScaleExecutor that start a block only when their tasks arrive. A site module gives
 * its provider (with the scheduler's own options) and its launchers; everything else is decided here once.
 */
import type { Executor } from '../executors/base.js';
import type { HtexOptions } from '../executors/htex/options.js';
import type { MPIExecutorOptions } from '../executors/mpi-apps/executor.js';
import type { Launcher } from '../launchers/base.js';
import { SimpleLauncher } from '../launchers/simple.js';
import type { ClusterProvider } from '../providers/cluster.js';
import { batchOptions, exex, htex, mpiExecutor, nodeOf, siteConfig } from './build.js';
import type { SiteOptions } from './options.js';
import type { NodeShape, Site, SiteContext, SiteFacts } from './site.js';

/** What a batch provider of the site is built from. */
export type ProviderCommon = ReturnType<typeof batchOptions> & { launcher: Launcher };

export interface HpcSiteParts {
  /** The site's provider with this launcher and these block limits. */
  provider(common: ProviderCommon, o: SiteOptions, node: NodeShape): ClusterProvider;
  /** The launcher of task-farm blocks (one worker pool per node). */
  htexLauncher(node: NodeShape): Launcher;
  /** HTEX's options for the node (workers, accelerators, affinity). @default one worker per core */
  htexOptions?(node: NodeShape): Omit<HtexOptions, 'label' | 'provider'>;
  /** How MPI tasks start programs; null: the site has no MPIExecutor. */
  mpi: Omit<MPIExecutorOptions, 'label' | 'provider'> | null;
  /** The launcher of ExtremeScale blocks (it must start MPI ranks); null: no ExtremeScaleExecutor. */
  exexLauncher: ((node: NodeShape) => Launcher) | null;
}

/** A batch site: HTEX first (the task farm), then `<site>_mpi` and `<site>_exex` with no block until needed. */
export function hpcSite(facts: SiteFacts, parts: HpcSiteParts): Site {
  return {
    facts,
    config(o: SiteOptions, ctx: SiteContext = {}) {
      const node = nodeOf(facts, ctx);
      const make = (launcher: Launcher, onDemand: boolean) =>
        parts.provider(
          { ...batchOptions(facts, o, ctx), launcher, ...(onDemand ? { initBlocks: 0, maxBlocks: 1 } : {}) },
          o,
          node,
        );
      const executors: Executor[] = [
        htex(facts, o, make(parts.htexLauncher(node), false), {
          maxWorkersPerNode: node.cores,
          ...parts.htexOptions?.(node),
        }),
      ];
      if (parts.mpi !== null)
        executors.push(mpiExecutor(facts, o, ctx, make(new SimpleLauncher(), true), parts.mpi));
      if (parts.exexLauncher !== null)
        executors.push(exex(facts, o, ctx, make(parts.exexLauncher(node), true)));
      return siteConfig(o, ctx, executors);
    },
  };
}
