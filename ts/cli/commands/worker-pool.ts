import { type Command, InvalidArgumentError } from 'commander';
import { parseCpuAffinity } from '../../executors/htex/manager/resources.js';
import { type PoolOptions, WorkerPool } from '../../executors/htex/manager/worker-pool.js';
import { DEFAULTS } from '../../executors/htex/options.js';
import {
  type CommonPoolValues,
  commonPoolOptions,
  int,
  list,
  num,
  type PoolSubcommand,
  registerPool,
} from './pool-options.js';

interface WorkerPoolValues extends CommonPoolValues {
  readonly maxWorkersPerNode: number;
  readonly coresPerWorker: number;
  readonly memPerWorker?: number;
  readonly prefetchCapacity: number;
  readonly pipelineMs: number;
  readonly cpuAffinity: string;
  readonly availableAccelerators: string[];
}

/**
 * `parsl-ts worker-pool`: the per-node manager of a HighThroughputExecutor block. The executor builds this command
 * line and the provider's launcher runs it on each node.
 */
export const workerPoolCommand: PoolSubcommand<WorkerPoolValues, PoolOptions> = {
  name: 'worker-pool',
  description: 'run one HighThroughputExecutor worker pool (manager) on this node',
  flags: (cmd: Command) =>
    cmd
      .option('--max-workers-per-node <n>', 'upper bound on workers', num, DEFAULTS.maxWorkersPerNode)
      .option('-c, --cores-per-worker <n>', 'cores per worker', num, DEFAULTS.coresPerWorker)
      .option('-m, --mem-per-worker <gb>', 'GB of memory per worker', num)
      .option(
        '-p, --prefetch-capacity <n>',
        'extra tasks to hold beyond one per worker',
        int,
        DEFAULTS.prefetchCapacity,
      )
      .option(
        '--pipeline-ms <ms>',
        'estimated work a worker may hold queued behind its running task',
        num,
        DEFAULTS.pipelineMs,
      )
      .option(
        '--cpu-affinity <policy>',
        'none | block | block-reverse | alternating | list:…',
        affinity,
        DEFAULTS.cpuAffinity,
      )
      .option('--available-accelerators <list>', 'comma-separated accelerator ids', list, []),
  options: (v) => ({
    ...commonPoolOptions(v),
    maxWorkersPerNode: v.maxWorkersPerNode,
    coresPerWorker: v.coresPerWorker,
    memPerWorker: v.memPerWorker ?? null,
    prefetchCapacity: v.prefetchCapacity,
    pipelineMs: v.pipelineMs,
    cpuAffinity: v.cpuAffinity,
    availableAccelerators: v.availableAccelerators,
  }),
  run: (o) => new WorkerPool(o).run(),
};

export function registerWorkerPool(program: Command): void {
  registerPool(program, workerPoolCommand);
}

function affinity(v: string): string {
  try {
    parseCpuAffinity(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}
