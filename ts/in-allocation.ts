/**
 * `import 'parsl-ts/in-allocation'` as the first import of a workflow started with plain `node` under mpiexec or
 * srun: ranks 1..N-1 become worker ranks of the MPICommExecutor here and never run the rest of the program (the
 * importing module's body waits on this module's top-level await, and the rank exits when rank 0 is done); rank 0
 * initialises MPI and goes on. Without mpiexec, or with one rank, it does nothing.
 */
import { enterAllocation } from './executors/in-allocation/index.js';

await enterAllocation();
