import { type Command, InvalidArgumentError } from 'commander';
import { type MpiPoolOptions, runMpiWorkerPool } from '../../executors/exex/pool.js';
import { newPoolUid } from '../../executors/htex/manager/worker-pool.js';
import { MpiAppPool } from '../../executors/mpi-apps/pool.js';

/**
 * `parsl-ts mpi-worker-pool`: every rank of an ExtremeScaleExecutor block runs this under mpiexec/srun/aprun/jsrun.
 * Rank 0 becomes the manager the interchange sees; the other ranks run tasks (or relay them in a dispatch tree).
 * It accepts the options of `worker-pool` so both pools are started from one command line builder; those that
 * only make sense for process pools (workers per node, affinity, accelerators) are ignored.
 */
export function registerMpiWorkerPool(program: Command): void {
  program
    .command('mpi-worker-pool')
    .description('run one ExtremeScaleExecutor MPI worker pool (start it under mpiexec with ≥ 2 ranks)')
    .requiredOption('-a, --addresses <list>', 'comma-separated interchange addresses to probe')
    .requiredOption('--port <n>', 'interchange worker port', int)
    .option('--cert-dir <dir>', 'CurveZMQ certificate directory (omit for plain text)')
    .option('--block-id <id>', 'block this pool belongs to')
    .option('--uid <id>', 'pool id (default: random)')
    .option('--mpi-flavor <flavor>', 'openmpi | mpich (default: from the launcher environment)')
    .option(
      '--pipeline-ms <ms>',
      'estimated work a worker rank may hold queued behind its running task',
      num,
      2,
    )
    .option('--tree-threshold <n>', 'use a dispatch tree for pools with more ranks than this', int, 256)
    .option('--tree-fanout <n>', 'worker ranks per sub-dispatcher', int, 64)
    .option('--mpi-spin-us <us>', 'how long an idle rank polls MPI before it sleeps', int, 50)
    .option(
      '--mpi-max-sleep-us <us>',
      'longest sleep of an idle rank (bounds its wake-up latency)',
      int,
      1000,
    )
    .option(
      '--hung-rank-threshold <ms>',
      'a rank whose MPI progress thread does not answer for this long is hung',
      int,
      30_000,
    )
    .option('--hb-period <ms>', 'heartbeat period', int, 30_000)
    .option('--hb-threshold <ms>', 'exit after this long without contact', int, 120_000)
    .option('--drain-period <ms>', 'drain and exit after this long', int)
    .option('--address-probe-timeout <ms>', 'how long to wait for an address to answer', int, 30_000)
    .option('--logdir <dir>', 'log directory', '.')
    .option('--debug', 'log at debug level', false)
    // MPIExecutor: one pool on the block's lead node that runs MPI applications (no MPI in the pool itself).
    .option('--apps', 'run MPI applications as tasks (MPIExecutor) instead of tasks on MPI ranks', false)
    .option('--hosts <list>', "the block's nodes (default: from Slurm, PBS, LSF, Cobalt or this host)")
    .option('--slots-per-node <n>', "MPI ranks a node runs at once (default: this node's cores)", int)
    .option('--mpi-launcher <kind>', 'mpiexec | srun | aprun: what PARSL_MPI_PREFIX uses', 'mpiexec')
    .option('--mpiexec <cmd>', 'the mpiexec binary', 'mpiexec')
    .option('--mpiexec-style <style>', 'mpich | openmpi command-line dialect', 'mpich')
    .option('--launcher-options <flags>', 'flags added to every MPI prefix', '')
    // Accepted for command-line compatibility with `worker-pool`; an MPI pool has one worker per rank.
    .option('--max-workers-per-node <n>', 'ignored')
    .option('-c, --cores-per-worker <n>', 'ignored')
    .option('-m, --mem-per-worker <gb>', 'ignored')
    .option('-p, --prefetch-capacity <n>', 'ignored')
    .option('--cpu-affinity <policy>', 'ignored')
    .option('--available-accelerators <list>', 'ignored')
    .action(async (o: Record<string, unknown>) => {
      const flavor = o.mpiFlavor as string | undefined;
      if (flavor !== undefined && flavor !== 'openmpi' && flavor !== 'mpich')
        throw new InvalidArgumentError(`--mpi-flavor must be openmpi or mpich, got '${flavor}'`);
      const opts: MpiPoolOptions = {
        addresses: String(o.addresses).split(',').filter(Boolean),
        port: o.port as number,
        certDir: (o.certDir as string | undefined) ?? null,
        blockId: (o.blockId as string | undefined) ?? null,
        uid: (o.uid as string | undefined) ?? newPoolUid(),
        flavor: flavor ?? null,
        pipelineMs: o.pipelineMs as number,
        treeThreshold: o.treeThreshold as number,
        treeFanout: o.treeFanout as number,
        spinMicros: o.mpiSpinUs as number,
        maxSleepMicros: o.mpiMaxSleepUs as number,
        hungRankThresholdMs: o.hungRankThreshold as number,
        heartbeatPeriodMs: o.hbPeriod as number,
        heartbeatThresholdMs: o.hbThreshold as number,
        drainPeriodMs: (o.drainPeriod as number | undefined) ?? null,
        addressProbeTimeoutMs: o.addressProbeTimeout as number,
        logdir: o.logdir as string,
        debug: o.debug as boolean,
      };
      if (o.apps === true) {
        const launcher = String(o.mpiLauncher);
        const style = String(o.mpiexecStyle);
        if (!['mpiexec', 'srun', 'aprun'].includes(launcher))
          throw new InvalidArgumentError(`--mpi-launcher must be mpiexec, srun or aprun, got '${launcher}'`);
        if (style !== 'mpich' && style !== 'openmpi')
          throw new InvalidArgumentError(`--mpiexec-style must be mpich or openmpi, got '${style}'`);
        const pool = new MpiAppPool({
          ...opts,
          hosts: o.hosts === undefined ? null : String(o.hosts).split(',').filter(Boolean),
          slotsPerNode: (o.slotsPerNode as number | undefined) ?? null,
          prefix: {
            launcher: launcher as 'mpiexec' | 'srun' | 'aprun',
            mpiexec: String(o.mpiexec),
            mpiexecStyle: style,
            extraOptions: String(o.launcherOptions),
          },
        });
        process.exit(await pool.run());
      }
      const code = await runMpiWorkerPool(opts);
      process.exit(code);
    });
}

function int(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${v}'`);
  return n;
}

function num(v: string): number {
  const n = Number(v);
  if (Number.isNaN(n)) throw new InvalidArgumentError(`expected a number, got '${v}'`);
  return n;
}
