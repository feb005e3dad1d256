import { Dealer } from 'zeromq';
import { type ClientKeys, secureClient } from '../curve.js';
import { decodeInterchangeToManager, encode } from '../protocol.js';
import { tcpUrl, tuneSocket } from '../transport.js';

/**
 * Try every candidate address of the interchange at once and return the first that answers a probe, as Parsl's
 * pool does: on a cluster the submit host has several addresses and only some are routable from compute nodes.
 * Addresses that refuse the connection, drop it, or accept it and never answer all just lose the race; `null`
 * when none answered within `timeoutMs`. `onAuthRefused` hears of interchanges that refused this pool's CURVE key
 * (a certificates directory from another run), the one failure a pool can tell apart from silence.
 */
export async function probeAddresses(
  addresses: readonly string[],
  port: number,
  keys: ClientKeys | null,
  timeoutMs: number,
  onAuthRefused?: (address: string) => void,
): Promise<string | null> {
  const sockets: Dealer[] = [];
  try {
    const attempts = addresses.map(async (addr) => {
      const s = new Dealer();
      sockets.push(s);
      tuneSocket(s);
      secureClient(s, keys);
      s.receiveTimeout = timeoutMs;
      s.sendTimeout = timeoutMs;
      if (onAuthRefused) s.events.on('handshake:error:auth', () => onAuthRefused(addr));
      s.connect(tcpUrl(addr, port));
      await s.send(encode({ type: 'probe' }));
      for (;;) {
        const d = decodeInterchangeToManager(await s.receive());
        if (d.ok && d.msg.type === 'probe-ack') return addr;
      }
    });
    return await Promise.any(attempts);
  } catch (e) {
    // Every attempt timed out (or its socket failed): an AggregateError is the expected "nobody answered".
    if (e instanceof AggregateError) return null;
    throw e;
  } finally {
    for (const s of sockets) s.close();
  }
}
