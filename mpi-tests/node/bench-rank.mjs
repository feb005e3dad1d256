// The addon side of bench/mpi.ts, same patterns as mpi-tests/mpi_bench.c:
//   pingpong <bytes> <iterations>   ranks 0 and 1, round-trip latency ('message' events: the fast path)
//   fanout <bytes> <messages>       rank 0 sends round-robin to 1..n-1, which report their counts back
//   idle <milliseconds>             rank 1 waits for one message; CPU it used and how fast it woke up
// Rank 0 prints one JSON line.
import { Communicator } from './common.mjs';

const [mode, a, b] = process.argv.slice(2);
const bytes = Number(a);
const count = Number(b ?? 0);
const comm = await Communicator.init({
  ...(process.env.BENCH_SPIN_MICROS ? { spinMicros: Number(process.env.BENCH_SPIN_MICROS) } : {}),
  ...(process.env.BENCH_THREAD_LEVEL ? { threadLevel: process.env.BENCH_THREAD_LEVEL } : {}),
});
const { rank, size } = comm;
const out = (o) => process.stdout.write(`${JSON.stringify({ impl: 'addon', mode, flavor: comm.flavor, threadLevel: comm.threadLevel, ...o })}\n`);

if (mode === 'pingpong') {
  const data = Buffer.alloc(bytes);
  const round = (iterations) =>
    new Promise((resolve) => {
      let n = 0;
      const t0 = process.hrtime.bigint();
      const onMessage = (m) => {
        if (rank === 1) {
          comm.send(0, m.data, 0);
          if (++n === iterations) finish();
        } else if (++n === iterations) finish();
        else comm.send(1, data, 0);
      };
      const finish = () => {
        comm.off('message', onMessage);
        resolve(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
      };
      comm.on('message', onMessage);
      if (rank === 0) comm.send(1, data, 0);
      if (rank > 1) finish();
    });
  await comm.barrier();
  await round(Math.ceil(count / 10));
  await comm.barrier();
  const rtt = await round(count);
  if (rank === 0) out({ bytes, iterations: count, rttMicros: rtt });
} else if (mode === 'fanout') {
  const workers = size - 1;
  await comm.barrier();
  if (rank === 0) {
    const data = Buffer.alloc(bytes);
    const t0 = process.hrtime.bigint();
    let waits = 0;
    for (let i = 0; i < count; i++) {
      if (!comm.send(1 + (i % workers), data, 1)) {
        waits++;
        await new Promise((r) => comm.once('drain', r));
      }
    }
    let total = 0;
    for (let w = 0; w < workers; w++) total += (await comm.recv({ tag: 2 })).data.readUInt32LE(0);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const s = comm.stats();
    out({ bytes, messages: count, received: total, workers, seconds, messagesPerSecond: count / seconds, backpressureWaits: waits, packetsSent: s.packetsSent });
  } else {
    const mine = Math.floor(count / workers) + (rank - 1 < count % workers ? 1 : 0);
    let n = 0;
    await new Promise((resolve) => {
      comm.on('message', () => {
        if (++n === mine) resolve();
      });
      if (mine === 0) resolve();
    });
    const r = Buffer.alloc(4);
    r.writeUInt32LE(n, 0);
    comm.send(0, r, 2);
  }
} else if (mode === 'idle') {
  const ms = bytes;
  await comm.barrier();
  if (rank === 0) {
    await new Promise((r) => setTimeout(r, ms));
    const t = Buffer.alloc(8);
    // CLOCK_MONOTONIC is one clock for every process of the host; performance.timeOrigin differs per process.
    t.writeDoubleLE(Number(process.hrtime.bigint()) / 1000, 0);
    comm.send(1, t, 3);
    const report = JSON.parse((await comm.recv({ source: 1, tag: 4 })).data.toString());
    out({ milliseconds: ms, ...report });
  } else if (rank === 1) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const m = await comm.recv({ source: 0, tag: 3 });
    const wakeLatencyMicros = Number(process.hrtime.bigint()) / 1000 - m.data.readDoubleLE(0);
    const c = process.cpuUsage(c0);
    const wall = performance.now() - w0;
    const s = comm.stats();
    comm.send(0, Buffer.from(JSON.stringify({ idleCpuPercent: ((c.user + c.system) / 1000 / wall) * 100, wakeLatencyMicros, sleeps: s.sleeps })), 4);
  }
}
await comm.barrier();
await comm.finalize();
