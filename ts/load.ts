import { Config } from './config.js';
import {
  clearKernel,
  currentKernel,
  type DataFlowKernel,
  loadKernel,
  registerKernelStartHook,
} from './dataflow/dflow.js';
import { startJobStatusPoller } from './jobs/kernel-service.js';

// Block executors scale through the job status poller; the kernel itself never imports jobs/.
registerKernelStartHook(startJobStatusPoller);

/**
 * Load a configuration and start its DataFlowKernel. With no argument: a local worker-thread pool with one
 * thread per core. Loading while another kernel is loaded throws ConfigurationError.
 */
export function load(config?: Config): Promise<DataFlowKernel> {
  return loadKernel(config ?? new Config());
}

/** The loaded DataFlowKernel (throws NoDataFlowKernelError when none is). */
export function dfk(): DataFlowKernel {
  return currentKernel();
}

/** Forget the loaded kernel without cleaning it up, as Parsl's `parsl.clear()`. */
export function clear(): void {
  clearKernel();
}
