/**
 * HighThroughputExecutor benchmark, with the raw zeromq.js transport measured in the same run as the ceiling.
 *
 *   npm run build && node --import tsx bench/htex.ts [--skip-scale]
 *
 * Prints one JSON object:
 * - transport: a DEALER ↔ ROUTER echo between two processes (one message at a time, and 64 in flight);
 * - pathFloor: the executor's process chain with bare transports and no work (bench/path-floor.ts), the
 *   round-trip latency no implementation of this topology can beat on this machine;
 * - throughput: 50,000 no-op tasks through interchange → one pool → 2 workers (tasks/s);
 * - roundTrip: 500 sequential tasks (median, p90, p99; split at the worker into the way down and back, and slow
 *   round trips that overlapped a GC pause of this process); roundTripApp: the same through the public API;
 * - sleep: 2,000 × 10 ms sleeps on 2 workers (efficiency = ideal time / measured time);
 * - scale: simulated pools (registration, heartbeats, instant results) against one interchange while 20,000 tasks
 *   flow, 10 pools versus 10,000 pools (slowdown = time with 10,000 / time with 10).
 * Tasks go through `executor.submit()` directly (except roundTripApp), so the numbers are the executor's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLogger, HighThroughputExecutor, LocalProvider, PROTOCOL_VERSION, SimpleLauncher } from 'parsl-ts';
import { Context, Dealer, Router } from 'zeromq';
import { decodeInterchangeToManager, encode, PACKAGE_VERSION } from '#internal';
import {
  appRoundTrips,
  outcomeValue,
  percentile,
  round,
  roundTrips,
  stamp,
  submit,
  task,
} from './harness.js';
import { pathFloor } from './path-floor.js';

const SELF = fileURLToPath(import.meta.url);
const TARGETS = { tasksPerSecond: 25_000, medianLatencyMs: 0.3, efficiency: 0.97, scaleSlowdown: 2 };

// ---------------------------------------------------------------- child roles

if (process.argv[2] === '--echo-server') {
  const r = new Router({ linger: 0 });
  await r.bind('tcp://127.0.0.1:*');
  process.send!(r.lastEndpoint);
  for await (const [id, ...frames] of r) await r.send([id!, ...frames]);
}

if (process.argv[2] === '--sim-pools') {
  await simulatePools(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]!);
}

/** `count` fake pools: register, heartbeat every 30 s, answer every task batch at once with fixed results. */
async function simulatePools(count: number, port: number, prefix: string): Promise<void> {
  const ctx = new Context({ maxSockets: count + 100, ioThreads: 1 });
  const body = Buffer.from('J[1,0]');
  const socks: Dealer[] = [];
  let registered = 0;
  for (let i = 0; i < count; i++) {
    const uid = `${prefix}${i}`;
    const s = new Dealer({
      context: ctx,
      routingId: uid,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: 0,
    });
    s.connect(`tcp://127.0.0.1:${port}`);
    socks.push(s);
    const reg = encode({
      type: 'registration',
      protocolVersion: PROTOCOL_VERSION,
      packageVersion: PACKAGE_VERSION,
      nodeVersion: process.version,
      uid,
      blockId: `sim-${uid}`,
      workerCount: 1,
      prefetchCapacity: 0,
      capacity: 8,
      hostname: 'sim',
      os: 'sim',
      dir: '/',
      cpuCount: 1,
      totalMemory: 1,
      startTime: Date.now(),
    });
    void (async () => {
      await s.send(reg);
      registered++;
      for await (const frames of s) {
        const d = decodeInterchangeToManager(frames);
        if (!d.ok || d.msg.type !== 'tasks') continue;
        const ids = d.msg.ids;
        await s.send(
          encode(
            { type: 'results', capacity: 8, ids, lengths: ids.map(() => body.length) },
            Buffer.concat(ids.map(() => body)),
          ),
        );
      }
    })().catch(() => {});
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  const hb = encode({ type: 'heartbeat' });
  let k = 0;
  // Heartbeats at the default period (30 s), spread evenly over it.
  setInterval(() => {
    for (let j = 0; j < Math.ceil(count / 600); j++) {
      const s = socks[k++ % count]!;
      s.send(hb).catch(() => {});
    }
  }, 50);
  process.send!({ registered });
}

// ---------------------------------------------------------------- helpers

async function transport() {
  const child = fork(SELF, ['--echo-server'], { execArgv: process.execArgv, stdio: 'inherit' });
  const endpoint = await new Promise<string>((r) => child.once('message', (m) => r(String(m))));
  const d = new Dealer({ linger: 0 });
  d.connect(endpoint);
  const msg = Buffer.alloc(16);
  for (let i = 0; i < 1000; i++) {
    await d.send(msg);
    await d.receive();
  }
  const lat: number[] = [];
  const N1 = 5000;
  let t0 = performance.now();
  for (let i = 0; i < N1; i++) {
    const s = performance.now();
    await d.send(msg);
    await d.receive();
    lat.push(performance.now() - s);
  }
  const oneAtATime = N1 / ((performance.now() - t0) / 1000);
  const N2 = 100_000;
  const W = 64;
  t0 = performance.now();
  let sent = 0;
  for (; sent < W; sent++) await d.send(msg);
  for (let got = 0; got < N2; got++) {
    await d.receive();
    if (sent < N2) {
      await d.send(msg);
      sent++;
    }
  }
  const pipelined = N2 / ((performance.now() - t0) / 1000);
  d.close();
  child.kill();
  lat.sort((a, b) => a - b);
  return {
    oneAtATimeMsgsPerSecond: Math.round(oneAtATime),
    roundTripMedianMs: round(percentile(lat, 50)),
    pipelined64MsgsPerSecond: Math.round(pipelined),
  };
}

function newExecutor(label: string, extra: Record<string, unknown> = {}) {
  return new HighThroughputExecutor({
    label,
    address: '127.0.0.1',
    maxWorkersPerNode: 2,
    provider: new LocalProvider({
      launcher: new SimpleLauncher({ debug: false }),
      initBlocks: 0,
      statusPollingInterval: 1000,
    }),
    ...extra,
  });
}

async function startExecutor(
  runDir: string,
  label: string,
  blocks: number,
  extra: Record<string, unknown> = {},
) {
  const ex = newExecutor(label, extra);
  await ex.start({ runDir, runId: label, logger: getLogger('bench') });
  if (blocks > 0) await ex.scaleOut(blocks);
  return ex;
}

async function executorWorkloads(runDir: string) {
  const ex = await startExecutor(runDir, 'htex', 1);
  try {
    const noop = () => null;
    const sleep10 = () => new Promise((r) => setTimeout(r, 10));
    // Warm up: the pool registers, JIT compiles, the pool learns task durations.
    await Promise.all(Array.from({ length: 5000 }, () => submit(ex, task(noop))));

    const N = 50_000;
    let t0 = performance.now();
    let outs = await Promise.all(Array.from({ length: N }, () => submit(ex, task(noop))));
    const secs = (performance.now() - t0) / 1000;
    if (!outs.every((o) => o.ok)) throw new Error('a no-op task failed');
    const throughput = { tasks: N, workers: 2, seconds: round(secs), tasksPerSecond: Math.round(N / secs) };

    const roundTrip = await roundTrips(() => submit(ex, task(stamp)).then(outcomeValue));

    await Promise.all(Array.from({ length: 50 }, () => submit(ex, task(sleep10))));
    const S = 2000;
    t0 = performance.now();
    outs = await Promise.all(Array.from({ length: S }, () => submit(ex, task(sleep10))));
    const sleepSecs = (performance.now() - t0) / 1000;
    const ideal = (S * 10) / 1000 / 2;
    // Ceiling: the same sleeps as two sequential loops in this process (timer overshoot and machine load only).
    t0 = performance.now();
    await Promise.all(
      [0, 1].map(async () => {
        for (let i = 0; i < S / 2; i++) await sleep10();
      }),
    );
    const ceiling = ideal / ((performance.now() - t0) / 1000);
    const sleep = {
      tasks: S,
      sleepMs: 10,
      workers: 2,
      seconds: round(sleepSecs),
      idealSeconds: ideal,
      efficiency: round(ideal / sleepSecs),
      inProcessCeiling: round(ceiling),
    };
    return { throughput, roundTrip, sleep };
  } finally {
    await ex.shutdown();
  }
}

/** The same round trips through the public API (kernel, app, future) on a fresh executor. */
function kernelRoundTrips(runDir: string) {
  return appRoundTrips(newExecutor('htex-app'), join(runDir, 'app'), async (ex) => {
    await (ex as HighThroughputExecutor).scaleOut(1);
  });
}

async function scaleRun(
  runDir: string,
  pools: number,
): Promise<{
  pools: number;
  registerSeconds: number;
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
}> {
  const ex = await startExecutor(runDir, `sim${pools}`, 0, {
    encrypted: false,
    heartbeatPeriod: 1,
    heartbeatThreshold: 60,
    startTimeout: 120,
  });
  const children: ChildProcess[] = [];
  try {
    const port = ex.interchangePorts!.workerPort;
    const perChild = 5000; // each simulated pool holds ~2 file descriptors; keep under the per-process limit
    const t0 = performance.now();
    for (let i = 0; i * perChild < pools; i++) {
      const n = Math.min(perChild, pools - i * perChild);
      const c = fork(SELF, ['--sim-pools', String(n), String(port), `p${i}-`], {
        execArgv: process.execArgv,
        stdio: 'inherit',
      });
      children.push(c);
      await new Promise((r) => c.once('message', r));
    }
    for (;;) {
      const n = (await ex.connectedManagers()).length;
      if (n >= pools) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const registerSeconds = (performance.now() - t0) / 1000;
    const noop = () => null;
    await Promise.all(Array.from({ length: 2000 }, () => submit(ex, task(noop))));
    const N = 20_000;
    const t1 = performance.now();
    const outs = await Promise.all(Array.from({ length: N }, () => submit(ex, task(noop))));
    const secs = (performance.now() - t1) / 1000;
    if (!outs.every((o) => o.ok)) throw new Error('a simulated task failed');
    return {
      pools,
      registerSeconds: round(registerSeconds),
      tasks: N,
      seconds: round(secs),
      tasksPerSecond: Math.round(N / secs),
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await ex.shutdown();
  }
}

// ---------------------------------------------------------------- main

if (process.argv[2] === undefined || process.argv[2].startsWith('--skip')) {
  const runDir = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-htex-'));
  try {
    const transportCeiling = await transport();
    const floor = await pathFloor();
    const htex = await executorWorkloads(runDir);
    const roundTripApp = await kernelRoundTrips(runDir);
    let scale: Record<string, unknown> | null = null;
    if (!process.argv.includes('--skip-scale')) {
      const small = await scaleRun(runDir, 10);
      const large = await scaleRun(runDir, 10_000);
      scale = { small, large, slowdown: round(small.tasksPerSecond / large.tasksPerSecond, 2) };
    }
    const result = {
      machine: {
        cpus: (await import('node:os')).availableParallelism(),
        node: process.version,
        loadAverage: (await import('node:os')).loadavg().map((x) => round(x, 2)),
      },
      transport: transportCeiling,
      pathFloor: floor,
      ...htex,
      roundTripApp,
      roundTripOverFloor: round(htex.roundTrip.medianMs / floor.roundTripMedianMs, 2),
      scale,
      targets: TARGETS,
      met: {
        tasksPerSecond: htex.throughput.tasksPerSecond >= TARGETS.tasksPerSecond,
        medianLatencyMs: htex.roundTrip.medianMs <= TARGETS.medianLatencyMs,
        efficiency: htex.sleep.efficiency >= TARGETS.efficiency,
        scaleSlowdown: scale === null ? null : (scale.slowdown as number) <= TARGETS.scaleSlowdown,
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
  process.exit(0);
}
