import { type Command, InvalidArgumentError } from 'commander';
import { parseCpuAffinity } from '../../executors/htex/manager/resources.js';
import { newPoolUid, type PoolOptions, WorkerPool } from '../../executors/htex/manager/worker-pool.js';

/**
 * `parsl-ts worker-pool`: the per-node manager of a HighThroughputExecutor block. The executor builds this command
 * line and the provider's launcher runs it on each node.
 */
export function registerWorkerPool(program: Command): void {
  program
    .command('worker-pool')
    .description('run one HighThroughputExecutor worker pool (manager) on this node')
    .requiredOption('-a, --addresses <list>', 'comma-separated interchange addresses to probe')
    .requiredOption('--port <n>', 'interchange worker port', int)
    .option('--cert-dir <dir>', 'CurveZMQ certificate directory (omit for plain text)')
    .option('--block-id <id>', 'block this pool belongs to')
    .option('--uid <id>', 'pool id (default: random)')
    .option('--max-workers-per-node <n>', 'upper bound on workers', num, Number.POSITIVE_INFINITY)
    .option('-c, --cores-per-worker <n>', 'cores per worker', num, 1)
    .option('-m, --mem-per-worker <gb>', 'GB of memory per worker', num)
    .option('-p, --prefetch-capacity <n>', 'extra tasks to hold beyond one per worker', int, 0)
    .option('--pipeline-ms <ms>', 'estimated work a worker may hold queued behind its running task', num, 2)
    .option('--hb-period <ms>', 'heartbeat period', int, 30_000)
    .option('--hb-threshold <ms>', 'exit after this long without contact', int, 120_000)
    .option('--drain-period <ms>', 'drain and exit after this long', int)
    .option('--address-probe-timeout <ms>', 'how long to wait for an address to answer', int, 30_000)
    .option(
      '--cpu-affinity <policy>',
      'none | block | block-reverse | alternating | list:…',
      affinity,
      'none',
    )
    .option('--available-accelerators <list>', 'comma-separated accelerator ids', '')
    .option('--logdir <dir>', 'log directory', '.')
    .option('--debug', 'log at debug level', false)
    .action(async (o: Record<string, unknown>) => {
      const opts: PoolOptions = {
        addresses: String(o.addresses).split(',').filter(Boolean),
        port: o.port as number,
        certDir: (o.certDir as string | undefined) ?? null,
        blockId: (o.blockId as string | undefined) ?? null,
        uid: (o.uid as string | undefined) ?? newPoolUid(),
        maxWorkersPerNode: o.maxWorkersPerNode as number,
        coresPerWorker: o.coresPerWorker as number,
        memPerWorker: (o.memPerWorker as number | undefined) ?? null,
        prefetchCapacity: o.prefetchCapacity as number,
        pipelineMs: o.pipelineMs as number,
        heartbeatPeriodMs: o.hbPeriod as number,
        heartbeatThresholdMs: o.hbThreshold as number,
        drainPeriodMs: (o.drainPeriod as number | undefined) ?? null,
        addressProbeTimeoutMs: o.addressProbeTimeout as number,
        cpuAffinity: o.cpuAffinity as string,
        availableAccelerators: String(o.availableAccelerators).split(',').filter(Boolean),
        logdir: o.logdir as string,
        debug: o.debug as boolean,
      };
      const code = await new WorkerPool(opts).run();
      process.exit(code);
    });
}

function int(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${v}'`);
  return n;
}

function affinity(v: string): string {
  try {
    parseCpuAffinity(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

function num(v: string): number {
  const n = Number(v);
  if (Number.isNaN(n)) throw new InvalidArgumentError(`expected a number, got '${v}'`);
  return n;
}
