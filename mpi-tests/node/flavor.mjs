// Initialises with whatever flavour selection picks (PARSL_MPI_FLAVOR may force a wrong one) and
// prints the outcome, so the test can check that a wrong pairing is reported, not silently run.
import { Communicator } from './common.mjs';

try {
  const comm = await Communicator.init();
  process.stdout.write(`OK rank ${comm.rank} of ${comm.size} flavor ${comm.flavor}\n`);
  await comm.finalize();
} catch (e) {
  process.stdout.write(`ERROR ${e.name}: ${e.message}\n`);
  process.exitCode = 3;
}
