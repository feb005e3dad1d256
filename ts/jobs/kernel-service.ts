import type { Executor } from '../executors/base.js';
import { JobStatusPoller } from './job-status-poller.js';
import type { StrategyName } from './strategy.js';

/**
 * The kernel start hook for block scaling, shaped for `registerKernelStartHook` so the kernel never imports jobs/:
 * `registerKernelStartHook(startJobStatusPoller)`. Returns null when no executor has blocks.
 */
export async function startJobStatusPoller(
  dfk: { readonly executors: ReadonlyMap<string, Executor> },
  config: {
    readonly strategy: StrategyName | null;
    readonly strategyPeriod: number;
    readonly maxIdletime: number;
  },
): Promise<{ close(): Promise<void> } | null> {
  const poller = new JobStatusPoller({
    executors: [...dfk.executors.values()],
    strategy: config.strategy ?? 'none',
    strategyPeriodMs: config.strategyPeriod * 1000,
    maxIdletimeMs: config.maxIdletime * 1000,
  });
  poller.start();
  return poller;
}
