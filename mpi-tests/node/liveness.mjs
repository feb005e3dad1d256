// Liveness watches: `node liveness.mjs <mode>` under mpiexec -n 4.
//   peers   rank 0 watches ranks 1..3 (threshold 1.5 s); rank 2 stops itself with SIGSTOP, rank 3 runs a
//           synchronous busy loop of 6 s in JS. Only rank 2 may be reported silent. Rank 0 then ends the job
//           with abort(), which must take the stopped rank too.
//   parent  ranks 1..3 watch rank 0 with an abort code; rank 0 stops itself: the watchers' progress threads
//           abort the job although rank 3's JS thread is in a 60 s busy loop.
import { Communicator, report } from './common.mjs';

const THRESHOLD_MS = 1500;
const mode = process.argv[2];
const comm = await Communicator.init();
await comm.barrier();
process.stdout.write(`rank ${comm.rank} ready pid ${process.pid}\n`);

function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

if (mode === 'peers') {
  if (comm.rank === 0) {
    const silent = [];
    const started = Date.now();
    comm.on('silent', (rank, ms) => silent.push({ rank, ms, at: Date.now() - started }));
    for (const r of [1, 2, 3]) comm.watch(r, { thresholdMs: THRESHOLD_MS });
    // Rank 3's busy loop ends at ~6 s; wait until well after it.
    const done = await comm.recv({ source: 3, tag: 1 });
    await new Promise((r) => setTimeout(r, 2 * THRESHOLD_MS));
    const ranks = silent.map((s) => s.rank);
    report('stopped-rank-silent', ranks.includes(2), { silent });
    report('busy-rank-answers', !ranks.includes(3) && done.data.toString() === 'done', { silent });
    report('running-rank-answers', !ranks.includes(1), { silent });
    comm.abort(9);
  } else if (comm.rank === 2) {
    process.kill(process.pid, 'SIGSTOP');
  } else if (comm.rank === 3) {
    busy(4 * THRESHOLD_MS);
    comm.send(0, Buffer.from('done'), 1);
  }
  await comm.recv({ tag: 99 }); // never sent: the abort ends every rank
} else if (mode === 'parent') {
  if (comm.rank === 0) {
    process.kill(process.pid, 'SIGSTOP');
  } else {
    comm.watch(0, { thresholdMs: THRESHOLD_MS, abortCode: 6 });
    if (comm.rank === 3) busy(60_000);
  }
  await comm.recv({ tag: 99 });
}
