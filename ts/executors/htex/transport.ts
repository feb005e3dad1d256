import type { Socket, Writable } from 'zeromq';
import type { Logger } from '../../logging.js';

/**
 * zeromq v6 allows one `send()` in flight per socket ("busy writing"), so every socket sends through one queue.
 * A send is synchronous when the socket can take the message, so the drain loop costs a microtask per message.
 */
export class SendQueue {
  #queue: Buffer[][] = [];
  #busy = false;
  #closed = false;

  constructor(
    private readonly sock: Writable & Socket,
    private readonly log: Logger,
  ) {}

  send(frames: Buffer[]): void {
    if (this.#closed) return;
    this.#queue.push(frames);
    if (!this.#busy) void this.#drain();
  }

  get idle(): boolean {
    return !this.#busy && this.#queue.length === 0;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue;
        this.#queue = [];
        for (const frames of batch) {
          if (this.#closed) return;
          await this.sock.send(frames);
        }
      }
    } catch (e) {
      if (!this.#closed && !this.sock.closed) this.log.warning(`send failed: ${(e as Error).message}`);
    } finally {
      this.#busy = false;
    }
  }
}

/**
 * Socket options every htex socket uses: no silent drops at a high-water mark, no lingering at close, and IPv6
 * in addition to IPv4 (as Parsl sets), so IPv6 addresses can be bound and probed.
 */
export function tuneSocket(
  sock: Socket & { sendHighWaterMark: number; receiveHighWaterMark: number; ipv6: boolean },
): void {
  sock.linger = 0;
  sock.ipv6 = true;
  sock.sendHighWaterMark = 0;
  sock.receiveHighWaterMark = 0;
}

/** `tcp://host:port`, bracketing IPv6 literals. */
export function tcpUrl(host: string, port: number | '*'): string {
  return host.includes(':') && !host.startsWith('[') ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

type Bindable = Socket & { bind(a: string): Promise<void>; unbind(a: string): Promise<void> };

/**
 * Bind every host at `port`, or at one random port of `[lo, hi)` free on all of them (up to 100 tries), as Parsl
 * does. A try that binds some hosts but not all undoes what it bound.
 */
export async function bindInRange(
  sock: Bindable,
  hosts: readonly string[],
  port: number | null,
  range: readonly [number, number],
): Promise<number> {
  if (port !== null) {
    for (const h of hosts) await sock.bind(tcpUrl(h, port));
    return port;
  }
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    const p = range[0] + Math.floor(Math.random() * Math.max(1, range[1] - range[0]));
    const bound: string[] = [];
    try {
      for (const h of hosts) {
        await sock.bind(tcpUrl(h, p));
        bound.push(tcpUrl(h, p));
      }
      return p;
    } catch (e) {
      last = e;
      for (const url of bound) await sock.unbind(url);
    }
  }
  throw new Error(`no free port in [${range[0]}, ${range[1]}) after 100 tries: ${(last as Error)?.message}`);
}

/**
 * Leading-edge flushing with trailing coalescing: the first `request()` of an event-loop turn flushes at once (no
 * latency for a lone task or result), later requests of the same turn are merged into one flush at `setImmediate`
 * (so a burst still costs at most two messages per turn, never one per task).
 */
export class TurnFlusher {
  #armed = false;
  #pending = false;

  constructor(private readonly flush: () => void) {}

  request(): void {
    if (this.#armed) {
      this.#pending = true;
      return;
    }
    this.#armed = true;
    setImmediate(this.#trail);
    this.flush();
  }

  readonly #trail = (): void => {
    this.#armed = false;
    if (!this.#pending) return;
    this.#pending = false;
    this.flush();
  };
}
