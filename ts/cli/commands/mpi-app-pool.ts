import type { Command } from 'commander';
import { DEFAULTS } from '../../executors/mpi-apps/executor.js';
import { MpiAppPool, type MpiAppPoolOptions } from '../../executors/mpi-apps/pool.js';
import type { MPILauncherKind } from '../../executors/mpi-apps/prefix.js';
import {
  type CommonPoolValues,
  choice,
  commonPoolOptions,
  int,
  list,
  type PoolSubcommand,
  registerPool,
} from './pool-options.js';

interface MpiAppPoolValues extends CommonPoolValues {
  readonly hosts?: string[];
  readonly slotsPerNode?: number;
  readonly mpiLauncher: MPILauncherKind;
  readonly mpiexec: string;
  readonly mpiexecStyle: 'mpich' | 'openmpi';
  readonly launcherOptions: string;
}

/**
 * `parsl-ts mpi-app-pool`: the pool of an MPIExecutor block, on its lead node. It runs no MPI itself: it gives each
 * task nodes of the block and starts it with the `PARSL_MPI_PREFIX` environment for them.
 */
export const mpiAppPoolCommand: PoolSubcommand<MpiAppPoolValues, MpiAppPoolOptions> = {
  name: 'mpi-app-pool',
  description: "run the MPIExecutor pool of a block on the block's lead node (MPI applications as tasks)",
  flags: (cmd: Command) =>
    cmd
      .option(
        '--hosts <list>',
        "the block's nodes (default: from Slurm, PBS, LSF, Cobalt or this host)",
        list,
      )
      .option('--slots-per-node <n>', "MPI ranks a node runs at once (default: this node's cores)", int)
      .addOption(
        choice('--mpi-launcher <kind>', 'what PARSL_MPI_PREFIX uses', ['mpiexec', 'srun', 'aprun']).default(
          DEFAULTS.mpiLauncher,
        ),
      )
      .option('--mpiexec <cmd>', 'the mpiexec binary', DEFAULTS.mpiexec)
      .addOption(
        choice('--mpiexec-style <style>', 'command-line dialect of that mpiexec', [
          'mpich',
          'openmpi',
        ]).default(DEFAULTS.mpiexecStyle),
      )
      .option('--launcher-options <flags>', 'flags added to every MPI prefix', DEFAULTS.launcherOptions),
  options: (v) => ({
    ...commonPoolOptions(v),
    hosts: v.hosts ?? null,
    slotsPerNode: v.slotsPerNode ?? null,
    prefix: {
      launcher: v.mpiLauncher,
      mpiexec: v.mpiexec,
      mpiexecStyle: v.mpiexecStyle,
      extraOptions: v.launcherOptions,
    },
  }),
  run: (o) => new MpiAppPool(o).run(),
};

export function registerMpiAppPool(program: Command): void {
  registerPool(program, mpiAppPoolCommand);
}
