// The data-path checks, run once per MPI flavour with 4 ranks: ping-pong of small and 1 MiB
// messages, rank-0 fan-out/fan-in of 100,000 messages (with backpressure), and ordered delivery per
// (source, tag) with large messages interleaved. Rank 0 prints CHECK lines; every rank finalizes
// and then simply lets its event loop end, which the test requires (no handle left behind).
import { Communicator, intact, payload, report, sendAll } from './common.mjs';

const FANOUT = Number(process.env.FANOUT ?? 100_000);
// `node traffic.mjs no-doorbells`: the same traffic with every wake-up left to the sleep timeout.
const comm = await Communicator.init({ highWaterMark: 256 * 1024, doorbells: process.argv[2] !== 'no-doorbells' });
const { rank, size } = comm;
if (rank === 0) report('init', size === 4, { size, flavor: comm.flavor, threadLevel: comm.threadLevel, host: comm.processorName });

async function pingpong(bytes, iterations) {
  let ok = true;
  for (let i = 0; i < iterations; i++) {
    if (rank === 0) {
      comm.send(1, payload(i, bytes), 1);
      const m = await comm.recv({ source: 1, tag: 1 });
      ok &&= intact(m.data, i + 1, bytes);
    } else if (rank === 1) {
      const m = await comm.recv({ source: 0, tag: 1 });
      ok &&= intact(m.data, i, bytes);
      comm.send(0, payload(i + 1, bytes), 1);
    }
  }
  return ok;
}

await comm.barrier();
const small = await pingpong(1, 2000);
const smallSeq = await pingpong(16, 500);
const big = await pingpong(1 << 20, 20);
if (rank === 1) comm.send(0, Buffer.from(JSON.stringify({ small, smallSeq, big })), 9);
if (rank === 0) {
  const peer = JSON.parse((await comm.recv({ source: 1, tag: 9 })).data.toString());
  report('pingpong-small', small && smallSeq && peer.small && peer.smallSeq);
  report('pingpong-1MiB', big && peer.big);
}

// Fan-out / fan-in: rank 0 sends FANOUT numbered messages round-robin; workers echo each back.
await comm.barrier();
if (rank === 0) {
  const seen = new Uint8Array(FANOUT);
  let back = 0;
  let corrupt = 0;
  const done = (async () => {
    for await (const m of comm.messages({ tag: 3 })) {
      const seq = m.data.readUInt32LE(0);
      if (m.source !== 1 + (seq % (size - 1)) || seen[seq]) corrupt++;
      seen[seq] = 1;
      if (++back === FANOUT) break;
    }
  })();
  let sentFalse = 0;
  for (let i = 0; i < FANOUT; i++) {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(i, 0);
    b.writeUInt32LE(~i >>> 0, 4);
    if (!comm.send(1 + (i % (size - 1)), b, 2)) {
      sentFalse++;
      await new Promise((r) => comm.once('drain', r));
    }
  }
  await comm.flush();
  await done;
  report('fanout', back === FANOUT && corrupt === 0 && seen.every((x) => x === 1), { back, corrupt, backpressureWaits: sentFalse, queuedAfterFlush: comm.queuedBytes });
} else {
  const expected = Math.floor(FANOUT / (size - 1)) + (rank - 1 < FANOUT % (size - 1) ? 1 : 0);
  let n = 0;
  for await (const m of comm.messages({ source: 0, tag: 2 })) {
    if (m.data.readUInt32LE(4) !== (~m.data.readUInt32LE(0) >>> 0)) m.data.writeUInt32LE(0xffffffff, 0);
    await sendAll(comm, 0, m.data.subarray(0, 4), 3);
    if (++n === expected) break;
  }
  await comm.flush();
}

// Ordered delivery per (source, tag): every worker interleaves 3 tags; every 500th message is
// larger than a packet, so it takes the separate bulk path and must still arrive in order.
await comm.barrier();
const PER_TAG = 3000;
if (rank === 0) {
  const next = new Map();
  let bad = 0;
  let total = 0;
  let large = 0;
  for await (const m of comm.messages({ tag: undefined })) {
    if (m.tag < 10 || m.tag > 12) continue;
    const key = `${m.source}/${m.tag}`;
    const seq = m.data.readUInt32LE(0);
    if (seq !== (next.get(key) ?? 0)) bad++;
    if (!intact(m.data, seq, m.data.length)) bad++;
    if (m.data.length > 100_000) large++;
    next.set(key, seq + 1);
    if (++total === PER_TAG * 3 * (size - 1)) break;
  }
  report('ordering', bad === 0 && large > 0, { total, outOfOrder: bad, largeMessages: large });
} else {
  for (let i = 0; i < PER_TAG; i++) {
    for (const tag of [10, 11, 12]) await sendAll(comm, 0, payload(i, i % 500 === 7 ? 200_000 : 12), tag);
  }
  await comm.flush();
}

// Empty messages: a delivery made only of zero-length messages carries no data arena at all.
await comm.barrier();
const EMPTIES = 50;
if (rank === 0) {
  let got = 0;
  for await (const m of comm.messages({ tag: 20 })) {
    if (m.data.length !== 0) break;
    if (++got === EMPTIES * (size - 1)) break;
  }
  report('empty', got === EMPTIES * (size - 1), { got });
} else {
  for (let i = 0; i < EMPTIES; i++) await sendAll(comm, 0, Buffer.alloc(0), 20);
  await comm.flush();
}

await comm.barrier();
await comm.finalize();
let stateOk = comm.state === 'finalized';
try {
  comm.send(0, Buffer.alloc(1));
  stateOk = false;
} catch (e) {
  stateOk &&= e.name === 'MPIStateError';
}
if (rank === 0) report('finalized', stateOk, { state: comm.state });
process.stdout.write(`rank ${rank} done\n`);
