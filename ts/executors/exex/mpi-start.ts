/**
 * Who starts the MPI ranks of an ExtremeScale block, decided when the executor is constructed so that a config
 * that cannot start MPI is refused then, never as a block failure at run time.
 *
 * - The provider's launcher starts MPI itself (MpiExecLauncher, SrunLauncher, …): the pool command is launched
 *   once per rank by it, and `mpiLauncher` must be left null.
 * - The launcher only runs commands (SimpleLauncher, SingleNodeLauncher, …): `mpiLauncher` is put in front of the
 *   pool command, which is launched once per block. Without one, on a one-node block, it is picked here as Parsl's
 *   executor did (it had `mpiexec` in its own launch command): the `mpiexec.<flavor>` of a flavour whose addon is
 *   built, MPICH first (it runs any number of ranks on a small machine, and as root); Open MPI with
 *   `--oversubscribe`, so ranks may outnumber cores as in Parsl's local configuration. A many-node block needs a
 *   launcher that starts ranks across nodes, and is refused naming them.
 * - An unknown launcher (a user's own object) is trusted as given.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../errors.js';
import { AprunLauncher } from '../../launchers/aprun.js';
import type { Launcher } from '../../launchers/base.js';
import { GnuParallelLauncher } from '../../launchers/gnu-parallel.js';
import { JsrunLauncher } from '../../launchers/jsrun.js';
import { MpiExecLauncher, MpiRunLauncher } from '../../launchers/mpi.js';
import { SimpleLauncher } from '../../launchers/simple.js';
import { SingleNodeLauncher } from '../../launchers/single-node.js';
import { SrunLauncher, SrunMPILauncher } from '../../launchers/srun.js';
import { WrappedLauncher } from '../../launchers/wrapped.js';
import { builtFlavors, type MPIFlavor } from '../../mpi/load-addon.js';

const STARTS_MPI = [
  MpiExecLauncher,
  MpiRunLauncher,
  SrunLauncher,
  SrunMPILauncher,
  AprunLauncher,
  JsrunLauncher,
];
const RUNS_COMMANDS = [SimpleLauncher, SingleNodeLauncher, GnuParallelLauncher, WrappedLauncher];
const MPI_LAUNCHERS =
  'MpiExecLauncher, MpiRunLauncher, SrunLauncher, SrunMPILauncher, AprunLauncher or JsrunLauncher';

export interface MpiStart {
  /** The command in front of the pool command (`{ranks}` replaced at launch), or null: the launcher starts MPI. */
  readonly mpiLauncher: string | null;
  readonly mpi: MPIFlavor | null;
}

export interface MpiStartInput {
  readonly launcher: Launcher | null;
  readonly nodesPerBlock: number;
  readonly mpi: MPIFlavor | null;
  readonly mpiLauncher: string | null;
}

export function resolveMpiStart(i: MpiStartInput): MpiStart {
  const name = i.launcher?.constructor.name ?? 'none';
  if (i.launcher !== null && STARTS_MPI.some((L) => i.launcher instanceof L)) {
    if (i.mpiLauncher !== null)
      throw new ConfigurationError(
        `ExtremeScaleExecutor: the provider's ${name} starts the MPI ranks itself, so mpiLauncher ('${i.mpiLauncher}') would start MPI twice; leave mpiLauncher out`,
      );
    return { mpiLauncher: null, mpi: i.mpi };
  }
  const commandsOnly = i.launcher !== null && RUNS_COMMANDS.some((L) => i.launcher instanceof L);
  if (!commandsOnly || i.mpiLauncher !== null) return { mpiLauncher: i.mpiLauncher, mpi: i.mpi };
  if (i.nodesPerBlock > 1)
    throw new ConfigurationError(
      `ExtremeScaleExecutor: a block of ${i.nodesPerBlock} nodes needs a launcher that starts MPI ranks across nodes; the provider's ${name} only runs commands. Give the provider launcher: new ${MPI_LAUNCHERS}`,
    );
  const picked = pickMpiexec(i.mpi);
  if (picked === null)
    throw new ConfigurationError(
      `ExtremeScaleExecutor: the provider's ${name} does not start MPI and no mpiexec${i.mpi ? `.${i.mpi}` : ''} is on PATH; install MPI (scripts/setup-mpi.sh), set mpiLauncher (e.g. 'mpiexec.mpich -n {ranks}'), or give the provider launcher: new ${MPI_LAUNCHERS}`,
    );
  return picked;
}

function pickMpiexec(wanted: MPIFlavor | null): MpiStart | null {
  const order: MPIFlavor[] = wanted !== null ? [wanted] : ['mpich', 'openmpi'];
  const built = builtFlavors();
  for (const flavor of order) {
    if (wanted === null && !built.includes(flavor)) continue;
    if (onPath(`mpiexec.${flavor}`))
      return { mpiLauncher: command(`mpiexec.${flavor}`, flavor), mpi: flavor };
  }
  // The addon picks its flavour from what the plain mpiexec sets in the ranks' environment.
  if (wanted === null && onPath('mpiexec')) return { mpiLauncher: 'mpiexec -n {ranks}', mpi: null };
  return null;
}

function command(mpiexec: string, flavor: MPIFlavor): string {
  return flavor === 'openmpi' ? `${mpiexec} --oversubscribe -n {ranks}` : `${mpiexec} -n {ranks}`;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, name)));
}
