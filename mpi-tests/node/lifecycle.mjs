// Lifecycle programs: `node lifecycle.mjs <mode>` under mpiexec -n 4.
//   abort     rank 2 calls abort(7) while the others wait for a message that never comes
//   exit      every rank calls process.exit(0) without finalize(): the addon must finalize at exit
//   unref     every rank unrefs the communicator and lets its event loop end without finalize()
//   worker    the communicator lives in a worker thread that is terminated without finalize()
//   reinit    after finalize(), a second init must fail with MPIStateError
// worker and reinit also check that MPI came up without UCX rewriting libc's memory functions under the
// process's running threads (see load-addon.ts), from a worker thread and from the main thread.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { Communicator, libcRewritten, report } from './common.mjs';

const mode = process.argv[2];

if (!isMainThread) {
  const comm = await Communicator.init();
  await comm.barrier();
  parentPort.postMessage({ rank: comm.rank, size: comm.size, rewritten: libcRewritten() });
  // ...and never finalizes: the main thread terminates this worker.
} else if (mode === 'worker') {
  const worker = new Worker(new URL(import.meta.url), { argv: ['worker'] });
  const info = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  let second = 'none';
  try {
    await Communicator.init();
  } catch (e) {
    second = `${e.name}:${e.code}`;
  }
  const ok = info.size === 4 && second === 'MPIStateError:ERR_MPI_FINALIZED' && info.rewritten.length === 0;
  if (info.rank === 0) report('worker', ok, { size: info.size, second, rewritten: info.rewritten });
} else {
  const comm = await Communicator.init();
  await comm.barrier();
  process.stdout.write(`rank ${comm.rank} ready pid ${process.pid}\n`);
  if (mode === 'abort') {
    if (comm.rank === 2) {
      process.stdout.write('rank 2 aborting\n');
      comm.abort(7);
    }
    await comm.recv({ tag: 99 }); // never sent
    process.stdout.write(`rank ${comm.rank} was not aborted\n`);
  } else if (mode === 'exit') {
    process.exit(0);
  } else if (mode === 'unref') {
    comm.unref();
  } else if (mode === 'reinit') {
    await comm.finalize();
    let second = 'none';
    try {
      await Communicator.init();
    } catch (e) {
      second = `${e.name}:${e.code}`;
    }
    const rewritten = libcRewritten();
    if (comm.rank === 0) report('reinit', second === 'MPIStateError:ERR_MPI_FINALIZED' && rewritten.length === 0, { second, rewritten });
  }
}
