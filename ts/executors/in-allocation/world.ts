import { detectLauncher, type MPIFlavor } from '../../mpi/load-addon.js';

/** The MPI job this process belongs to, as its launcher announced it in the environment. */
export interface LaunchedWorld {
  readonly rank: number;
  readonly size: number;
  readonly flavor: MPIFlavor | null;
  /** The variables rank and size came from, for messages. */
  readonly source: string;
}

/**
 * Reads rank and world size from the launcher's environment (mpiexec of Open MPI or MPICH, srun with PMI-2 or
 * PMIx) without initialising MPI, so a process can decide what it is before any user code runs. Null when no
 * launcher started this process, or when it announced no world size.
 */
export function launchedWorld(env: NodeJS.ProcessEnv = process.env): LaunchedWorld | null {
  const launcher = detectLauncher(env);
  const size = launcher.expectedSize;
  if (size === null) return slurmStep(env);
  const [variable, value] =
    env.OMPI_COMM_WORLD_RANK !== undefined
      ? ['OMPI_COMM_WORLD_RANK', env.OMPI_COMM_WORLD_RANK]
      : env.PMI_RANK !== undefined
        ? ['PMI_RANK', env.PMI_RANK]
        : ['PMIX_RANK', env.PMIX_RANK];
  const rank = Number(value);
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) return null;
  return { rank, size, flavor: launcher.flavor, source: `${variable}/${launcher.sizeVariable}` };
}

/**
 * An srun step whose PMI plugin announces no rank before MPI_Init: Slurm's own variables, which only srun steps
 * carry (a batch script has SLURM_PROCID but no SLURM_STEP_NUM_TASKS).
 */
function slurmStep(env: NodeJS.ProcessEnv): LaunchedWorld | null {
  const digits = /^\d+$/;
  if (!digits.test(env.SLURM_STEP_NUM_TASKS ?? '') || !digits.test(env.SLURM_PROCID ?? '')) return null;
  const size = Number(env.SLURM_STEP_NUM_TASKS);
  const rank = Number(env.SLURM_PROCID);
  if (size < 1 || rank >= size) return null;
  return { rank, size, flavor: null, source: 'SLURM_PROCID/SLURM_STEP_NUM_TASKS' };
}
