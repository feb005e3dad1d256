import type { Executor } from '../executors/base.js';
import { JobStatusPoller } from './job-status-poller.js';
import type { StrategyName } from './strategy.js';

/**
 * The kernel service that scales block executors: `parsl.load()` passes it to the kernel, and a kernel started
 * directly is given it the same way, `DataFlowKernel.start(config, { services: [startJobStatusPoller] })`.
 * Resolves to a started poller (closed by the kernel's cleanup).
 */
export async function startJobStatusPoller(
  dfk: { readonly executors: ReadonlyMap<string, Executor> },
  config: {
    readonly strategy: StrategyName | null;
    readonly strategyPeriod: number;
    readonly maxIdletime: number;
  },
): Promise<{ close(): Promise<void> }> {
  const poller = new JobStatusPoller({
    executors: [...dfk.executors.values()],
    strategy: config.strategy ?? 'none',
    strategyPeriodMs: config.strategyPeriod * 1000,
    maxIdletimeMs: config.maxIdletime * 1000,
  });
  poller.start();
  return poller;
}
