import { runTask } from '../../execute/task-runner.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { FunctionLoader } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';

/**
 * The process one MPI-application task runs in: started by the MPI app pool with the task's `PARSL_*`
 * environment (so a bash app's `$PARSL_MPI_PREFIX` and a JS app's `process.env` both see its nodes), it runs
 * the task it is sent, returns the result and exits.
 */
process.once('message', async (m: unknown) => {
  let r: ResultWire;
  const w = m as TaskWire;
  try {
    r = await runTask(w, new FunctionLoader());
  } catch (e) {
    r = { id: w.id, ok: false, error: toRemoteError(e) };
  }
  process.send!(r, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
