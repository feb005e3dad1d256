import type { Command } from 'commander';
import { DEFAULTS as EXEX } from '../../executors/exex/executor.js';
import { type ExexPoolOptions, runExexPool } from '../../executors/exex/pool.js';
import { DEFAULTS as HTEX } from '../../executors/htex/options.js';
import type { MPIFlavor } from '../../mpi/load-addon.js';
import {
  type CommonPoolValues,
  choice,
  commonPoolOptions,
  int,
  ms,
  num,
  type PoolSubcommand,
  registerPool,
} from './pool-options.js';

interface ExexPoolValues extends CommonPoolValues {
  readonly mpiFlavor?: MPIFlavor;
  readonly pipelineMs: number;
  readonly treeThreshold: number;
  readonly treeFanout: number;
  readonly mpiSpinUs: number;
  readonly mpiMaxSleepUs: number;
  readonly hungRankThreshold: number;
}

/**
 * `parsl-ts mpi-worker-pool`: every rank of an ExtremeScaleExecutor block runs this under mpiexec/srun/aprun/jsrun.
 * Rank 0 becomes the manager the interchange sees; the other ranks run tasks (or relay them in a dispatch tree).
 */
export const mpiWorkerPoolCommand: PoolSubcommand<ExexPoolValues, ExexPoolOptions> = {
  name: 'mpi-worker-pool',
  description: 'run one ExtremeScaleExecutor MPI worker pool (start it under mpiexec with ≥ 2 ranks)',
  flags: (cmd: Command) =>
    cmd
      .addOption(
        choice('--mpi-flavor <flavor>', 'MPI of the addon (default: from the launcher environment)', [
          'openmpi',
          'mpich',
        ]),
      )
      .option(
        '--pipeline-ms <ms>',
        'estimated work a worker rank may hold queued behind its running task',
        num,
        HTEX.pipelineMs,
      )
      .option(
        '--tree-threshold <n>',
        'use a dispatch tree for pools with more ranks than this',
        int,
        EXEX.dispatchTreeThreshold,
      )
      .option('--tree-fanout <n>', 'worker ranks per sub-dispatcher', int, EXEX.dispatchFanout)
      .option('--mpi-spin-us <us>', 'how long an idle rank polls MPI before it sleeps', int, EXEX.spinMicros)
      .option(
        '--mpi-max-sleep-us <us>',
        'longest sleep of an idle rank (bounds its wake-up latency)',
        int,
        EXEX.maxSleepMicros,
      )
      .option(
        '--hung-rank-threshold <ms>',
        'a rank whose MPI progress thread does not answer for this long is hung',
        int,
        ms(EXEX.hungRankThreshold),
      ),
  options: (v) => ({
    ...commonPoolOptions(v),
    flavor: v.mpiFlavor ?? null,
    pipelineMs: v.pipelineMs,
    treeThreshold: v.treeThreshold,
    treeFanout: v.treeFanout,
    spinMicros: v.mpiSpinUs,
    maxSleepMicros: v.mpiMaxSleepUs,
    hungRankThresholdMs: v.hungRankThreshold,
  }),
  run: runExexPool,
};

export function registerMpiWorkerPool(program: Command): void {
  registerPool(program, mpiWorkerPoolCommand);
}
