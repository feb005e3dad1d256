import { availableParallelism, totalmem } from 'node:os';
import { SimpleLauncher } from '../../launchers/simple.js';
import { SrunLauncher } from '../../launchers/srun.js';
import { SlurmProvider } from '../../providers/slurm/slurm.js';
import { batchOptions, exex, htex, mpiExecutor, queueOf, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// This machine as a site: its own Slurm (`SLURM_CONF`, partition `debug`), MPICH under srun's PMI2 and Open MPI
// with mpiexec inside the job (srun's PMIx does not work on a fake multi-node Slurm on one host).
// https://slurm.schedmd.com/mpi_guide.html
const NODE = { cores: availableParallelism(), memGB: Math.floor(totalmem() / 2 ** 30) };

function localFacts(name: string, title: string, mpi: string, mpicc: string): SiteFacts {
  return {
    name,
    title,
    scheduler: 'slurm',
    launcher: 'srun',
    channel: 'local',
    executor: 'htex',
    mpi,
    node: NODE,
    status: 'current',
    hostnames: [],
    sharedFs: true,
    docs: ['https://slurm.schedmd.com/mpi_guide.html'],
    required: [],
    maxWalltime: null,
    defaultQueue: 'debug',
    mpicc,
  };
}

/** Open MPI as root on an oversubscribed host. */
const OMPI_ENV =
  'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1';

function localSite(facts: SiteFacts, flavor: 'mpich' | 'openmpi'): Site {
  return {
    facts,
    config(o, ctx = {}) {
      const init = [flavor === 'mpich' ? 'export SLURM_MPI_TYPE=pmi2' : OMPI_ENV, o.workerInit ?? '']
        .filter(Boolean)
        .join('\n');
      const slurm = (launcher: SrunLauncher | SimpleLauncher, onDemand: boolean) =>
        new SlurmProvider({
          ...batchOptions(facts, { ...o, workerInit: init }, ctx),
          launcher,
          partition: queueOf(facts, o),
          exclusive: false,
          coresPerNode: NODE.cores,
          walltime: o.walltime ?? '00:10:00',
          statusPollingInterval: 1000,
          ...(onDemand ? { initBlocks: 0, maxBlocks: 1 } : {}),
        });
      const mpi =
        flavor === 'mpich'
          ? mpiExecutor(facts, o, ctx, slurm(new SimpleLauncher(), true), { mpiLauncher: 'srun' })
          : mpiExecutor(facts, o, ctx, slurm(new SimpleLauncher(), true), {
              mpiLauncher: 'mpiexec',
              mpiexec: 'mpiexec.openmpi',
              mpiexecStyle: 'openmpi',
              launcherOptions: '--oversubscribe',
            });
      const ranks =
        flavor === 'mpich'
          ? exex(facts, o, ctx, slurm(new SrunLauncher(), true), { ranksPerNode: 3, mpi: 'mpich' })
          : exex(facts, o, ctx, slurm(new SimpleLauncher(), true), {
              ranksPerNode: 3,
              mpi: 'openmpi',
              mpiLauncher: 'mpiexec.openmpi --oversubscribe -n {ranks}',
            });
      return siteConfig(o, ctx, [
        htex(facts, o, slurm(new SrunLauncher(), false), { maxWorkersPerNode: 2 }),
        mpi,
        ranks,
      ]);
    },
  };
}

export const FACTS = localFacts('local', 'This machine: Slurm + MPICH (srun, PMI2)', 'MPICH', 'mpicc.mpich');
export const local = localSite(FACTS, 'mpich');
export const local_openmpi = localSite(
  localFacts(
    'local-openmpi',
    'This machine: Slurm + Open MPI (mpiexec in the job)',
    'Open MPI',
    'mpicc.openmpi',
  ),
  'openmpi',
);
