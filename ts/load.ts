import { Config, type ConfigOptions } from './config.js';
import { clearKernel, currentKernel, type DataFlowKernel, loadKernel } from './dataflow/dflow.js';
import { startJobStatusPoller } from './jobs/kernel-service.js';

/**
 * Load a configuration and start its DataFlowKernel with the job status poller, which scales block
 * executors. With no argument: a local worker-thread pool with one thread per core. A plain object is read
 * as Config's fields (`parsl.load({ executors: [...] })` is `parsl.load(new Config({ executors: [...] }))`).
 * Loading while another kernel is loaded throws ConfigurationError.
 */
export async function load(config?: Config | ConfigOptions): Promise<DataFlowKernel> {
  const c = config instanceof Config ? config : new Config(config ?? {});
  return loadKernel(c, { services: [startJobStatusPoller] });
}

/** The loaded DataFlowKernel (throws NoDataFlowKernelError when none is). */
export function dfk(): DataFlowKernel {
  return currentKernel();
}

/** Forget the loaded kernel without cleaning it up, as Parsl's `parsl.clear()`. */
export function clear(): void {
  clearKernel();
}
