/**
 * The latency floor of the HighThroughputExecutor's process topology: executor → interchange → pool → worker and
 * back, through the same transports (a framed pipe, ZeroMQ DEALER/ROUTER over TCP, a framed pipe) with no work at
 * all in any process. Whatever the real executor adds on top of this is ours; this much is the machine's.
 *
 *   node --import tsx bench/path-floor.ts     (prints JSON; bench/htex.ts runs it as part of its report)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Dealer, Router } from 'zeromq';
import { encodeFramed, FrameReader } from '#internal';

const SELF = fileURLToPath(import.meta.url);

function child(role: string, extra: string[], stdio: ('pipe' | 'ignore' | 'inherit')[]): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, SELF, role, ...extra], { stdio });
}

/** Calls `onMessage` with each framed message's meta frame (the relays never look inside). */
function onFramed(pipe: Duplex, onMessage: (m: Buffer) => void): void {
  const r = new FrameReader((meta) => onMessage(meta));
  pipe.on('data', (d: Buffer) => r.push(d));
}

const framed = (m: Buffer) => encodeFramed(m);

async function worker(): Promise<void> {
  const pipe = new Socket({ fd: 3, readable: true, writable: true });
  onFramed(pipe, (m) => pipe.write(framed(m)));
  pipe.on('end', () => process.exit(0));
}

async function pool(endpoint: string): Promise<void> {
  const d = new Dealer({ linger: 0 });
  d.connect(endpoint);
  const w = child('--floor-worker', [], ['ignore', 'inherit', 'inherit', 'pipe']);
  const pipe = w.stdio[3] as Duplex;
  // Its parent's pipe on stdin ends when the parent dies, whatever killed it.
  process.stdin.on('end', () => process.exit(0)).resume();
  onFramed(pipe, (m) => void d.send(m));
  await d.send('ready');
  for await (const [m] of d) pipe.write(framed(m!));
}

async function interchange(): Promise<void> {
  const pools = new Router({ linger: 0 });
  await pools.bind('tcp://127.0.0.1:*');
  child('--floor-pool', [pools.lastEndpoint!], ['pipe', 'inherit', 'inherit']);
  const [poolId] = await pools.receive();
  const client = new Socket({ fd: 3, readable: true, writable: true });
  onFramed(client, (m) => void pools.send([poolId!, m]));
  client.write(framed(Buffer.from('ready')));
  client.on('end', () => process.exit(0));
  for await (const [, m] of pools) client.write(framed(m!));
}

/** Median and p99 (ms) of `n` sequential round trips of a 100-byte message through the chain. */
export async function pathFloor(n = 3000): Promise<{ roundTripMedianMs: number; p99Ms: number }> {
  const ix = child('--floor-interchange', [], ['ignore', 'inherit', 'inherit', 'pipe']);
  const link = ix.stdio[3] as Duplex;
  let waiter: (() => void) | null = null;
  onFramed(link, () => waiter?.());
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      waiter = resolve;
      link.write(framed(payload));
    });
  const payload = Buffer.alloc(100);
  await new Promise<void>((resolve) => {
    waiter = resolve;
  });
  const lat: number[] = [];
  for (let i = 0; i < n + 500; i++) {
    const s = performance.now();
    await roundTrip();
    if (i >= 500) lat.push(performance.now() - s);
  }
  link.end();
  ix.kill('SIGKILL');
  lat.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! * 1000) / 1000;
  return { roundTripMedianMs: at(0.5), p99Ms: at(0.99) };
}

const role = process.argv[2];
if (role === '--floor-worker') await worker();
else if (role === '--floor-pool') await pool(process.argv[3]!);
else if (role === '--floor-interchange') await interchange();
else if (process.argv[1] === SELF) {
  console.log(JSON.stringify(await pathFloor()));
  process.exit(0);
}
