import { writeSync } from 'node:fs';
import { Communicator } from '../../mpi/communicator.js';
import { loadAddon } from '../../mpi/load-addon.js';
import { treeLayout } from '../exex/dispatch/tree.js';
import { DEFAULTS as EXEX } from '../exex/executor.js';
import { finalizeLimitMs, finalizeWithin, serveRank } from '../exex/pool.js';
import { Tag } from '../exex/protocol.js';
import { decodeSetup, SETUP_TAG } from './protocol.js';
import type { LaunchedWorld } from './world.js';

/**
 * The ranks 1..N-1 of a workflow started by mpiexec/srun: they never run the workflow's code. Each initialises
 * MPI, waits for rank 0's `SETUP` (or `STOP` when the workflow never used them), then serves as a worker or a
 * relay of the dispatch tree exactly as an ExtremeScale pool's ranks do, and finalizes.
 */
export async function serveAllocationRank(): Promise<number> {
  const comm = await Communicator.init();
  // A rank that exits while serving (process.exit or an uncaught error in a task) would otherwise leave its
  // tasks to the hung-rank watch, or make the launcher end the job without saying why: it ends the job itself,
  // naming itself, while MPI_Finalize has not started.
  const onExit = (status: number): void => {
    if (comm.state !== 'running') return;
    writeSync(
      2,
      `parsl-ts: MPI rank ${comm.rank} of ${comm.size} (pid ${process.pid} on ${comm.processorName}) exited with status ${status} while serving tasks (process.exit or an uncaught error in a task?); ending the MPI job\n`,
    );
    comm.abort(status === 0 ? 1 : status);
  };
  process.on('exit', onExit);
  const first = await comm.recv({ source: 0 });
  let code = 0;
  let hungRankThresholdMs = EXEX.hungRankThreshold * 1000;
  if (first.tag === SETUP_TAG) {
    const setup = decodeSetup(first.data);
    hungRankThresholdMs = setup.hungRankThresholdMs;
    const { addon } = loadAddon({ flavor: comm.flavor });
    code = await serveRank(comm, addon, treeLayout(comm.size, setup.treeThreshold, setup.treeFanout), setup);
  } else if (first.tag !== Tag.STOP) {
    throw new Error(`rank 0 sent tag ${first.tag} before SETUP`);
  }
  await finalizeWithin(comm, finalizeLimitMs(hungRankThresholdMs));
  process.off('exit', onExit);
  return code;
}

/** Turn this process into a worker rank of the allocation; it exits when rank 0 is done, and never returns. */
export async function becomeWorkerRank(world: LaunchedWorld): Promise<never> {
  let code = 1;
  try {
    code = await serveAllocationRank();
  } catch (e) {
    process.stderr.write(`parsl-ts: MPI rank ${world.rank} of ${world.size}: ${(e as Error).message}\n`);
  }
  process.exit(code);
}
