import { Communicator } from '../../mpi/communicator.js';
import { Tag } from '../exex/protocol.js';
import { becomeWorkerRank } from './ranks.js';
import { type LaunchedWorld, launchedWorld } from './world.js';

/**
 * Rank 0's side of the allocation: one communicator per process, initialised as early as the program allows
 * (so the other ranks, waiting in MPI_Init, are released by any exit of rank 0), and handed to the executor.
 * When the workflow ends without having used the ranks, they are told to `STOP` so that every rank exits.
 */
let root: Promise<Communicator> | null = null;
let claimed = false;
let released = false;
/** The status MPI_Abort ends the job with when the program exits before MPI was finalized; null: the exit's. */
let abortCode: number | null = null;

/** Rank 0's communicator; the first call initialises MPI. */
export function rootCommunicator(): Promise<Communicator> {
  root ??= Communicator.init().then((comm) => {
    // The kernel, not MPI, decides when the program ends; the ranks are released on the way out.
    comm.unref();
    process.on('beforeExit', () => release(comm));
    // An exit without MPI_Finalize (process.exit, an uncaught error) would leave the other ranks waiting for rank 0
    // (MPICH's launcher waits for them forever): end the job instead.
    process.on('exit', (status) => {
      if (comm.state === 'running') comm.abort(abortCode ?? status);
    });
    return comm;
  });
  return root;
}

/** The executor takes the ranks; only one may, once per program (MPI cannot be initialised twice). */
export function claimRanks(): boolean {
  if (claimed) return false;
  claimed = true;
  return true;
}

/** End the job with MPI_Abort and `code` when the program exits (ranks that cannot finalize are left). */
export function abortAtExit(code: number): void {
  abortCode = code;
}

function release(comm: Communicator): void {
  if (claimed || released || comm.state !== 'running') return;
  released = true;
  for (let r = 1; r < comm.size; r++) comm.send(r, Buffer.from([0]), Tag.STOP);
  void comm.flush().then(() => comm.finalize());
}

/**
 * What `parsl-ts run` and `import 'parsl-ts/in-allocation'` do first under mpiexec/srun with more than one rank:
 * ranks 1..N-1 become worker ranks and never return (the workflow's code does not run there); rank 0 initialises
 * MPI and goes on to run the workflow. Elsewhere it does nothing.
 */
export async function enterAllocation(world: LaunchedWorld | null = launchedWorld()): Promise<void> {
  if (world === null || world.size < 2) return;
  if (world.rank > 0) await becomeWorkerRank(world);
  await rootCommunicator();
}
