import { Config } from './config.js';
import { clearKernel, currentKernel, type DataFlowKernel, loadKernel } from './dataflow/dflow.js';
import { startJobStatusPoller } from './jobs/kernel-service.js';

/**
 * Load a configuration and start its DataFlowKernel with the job status poller, which scales block
 * executors. With no argument: a local worker-thread pool with one thread per core. Loading while another
 * kernel is loaded throws ConfigurationError.
 */
export function load(config?: Config): Promise<DataFlowKernel> {
  return loadKernel(config ?? new Config(), { services: [startJobStatusPoller] });
}

/** The loaded DataFlowKernel (throws NoDataFlowKernelError when none is). */
export function dfk(): DataFlowKernel {
  return currentKernel();
}

/** Forget the loaded kernel without cleaning it up, as Parsl's `parsl.clear()`. */
export function clear(): void {
  clearKernel();
}
