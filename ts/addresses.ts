import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';
import { AddressNotFound } from './errors.js';

/**
 * Ways to find the address worker pools should use to reach this host (Parsl's `parsl.addresses`). Each resolves to
 * an IP address string and may be passed unresolved as `HighThroughputExecutor({ address })`.
 */

/** The address this host's name resolves to. */
export async function addressByHostname(): Promise<string> {
  return (await lookup(hostname())).address;
}

/**
 * The source address of the route towards `target` (default a public address). A UDP "connect" only consults the
 * routing table: no packet is sent.
 */
export function addressByRoute(target = '8.8.8.8', port = 80): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket(target.includes(':') ? 'udp6' : 'udp4');
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.connect(port, target, () => {
      const a = s.address().address;
      s.close();
      resolve(a);
    });
  });
}

/** This host's address as seen by an HTTP echo service (the public address behind NAT). */
export async function addressByQuery(timeoutMs = 30_000, url = 'https://api.ipify.org'): Promise<string> {
  const failed = (why: string, cause?: unknown) =>
    new AddressNotFound(
      `addressByQuery: asking ${url} for this host's public address ${why}; give the executor an address (addressByHostname(), addressByInterface('eth0')) or a reachable query URL`,
      cause === undefined ? undefined : { cause },
    );
  let r: Response;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw failed(timedOut ? `got no answer within ${timeoutMs} ms` : `failed: ${causeText(e)}`, e);
  }
  if (!r.ok) throw failed(`got HTTP ${r.status} ${r.statusText}`);
  const text = (await r.text()).trim();
  if (text === '') throw failed('got an empty answer');
  return text;
}

/** fetch() says only "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED …) is in its cause. */
function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return [(e as Error).message, c?.code ?? c?.message].filter(Boolean).join(': ');
}

/** The first IPv4 address of a network interface (e.g. 'ib0', 'eth0', 'lo'). */
export async function addressByInterface(ifname: string): Promise<string> {
  const addrs = networkInterfaces()[ifname];
  const v4 = addrs?.find((a) => a.family === 'IPv4');
  if (!v4)
    throw new Error(
      `interface '${ifname}' has no IPv4 address (interfaces: ${Object.keys(networkInterfaces()).join(', ')})`,
    );
  return v4.address;
}

/**
 * Every address of this host a pool might reach us on, best first: interface addresses (external before
 * loopback), then the hostname's. Failures are skipped. Sends no network traffic.
 */
export async function getAllAddresses(): Promise<string[]> {
  const found: string[] = [];
  const internal: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4') continue;
      (a.internal ? internal : found).push(a.address);
    }
  }
  try {
    found.push(await addressByHostname());
  } catch {
    // a host name without a resolvable address is common on laptops
  }
  return [...new Set([...found, ...internal])];
}

/** True when `address` (an IP literal, optionally bracketed, or `localhost`) is reachable from this host only. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  return a === 'localhost' || a === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(a);
}
