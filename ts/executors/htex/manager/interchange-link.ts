import { cpus, hostname, platform, release, totalmem } from 'node:os';
import { Dealer } from 'zeromq';
import type { Logger } from '../../../logging.js';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import { PACKAGE_VERSION } from '../../../version.js';
import { loadCertificates, secureClient } from '../curve.js';
import {
  decodeInterchangeToManager,
  encode,
  PROTOCOL_VERSION,
  type Registration,
  splitBatch,
} from '../protocol.js';
import { SendQueue, tcpUrl, tuneSocket } from '../transport.js';
import { probeAddresses } from './address-probe.js';

/** How a pool finds its interchange (the `worker-pool` command-line options it shares with HTEX pools). */
export interface LinkOptions {
  readonly addresses: readonly string[];
  readonly port: number;
  readonly certDir: string | null;
  readonly blockId: string | null;
  readonly uid: string;
  readonly heartbeatPeriodMs: number;
  readonly heartbeatThresholdMs: number;
  readonly drainPeriodMs: number | null;
  readonly addressProbeTimeoutMs: number;
}

export interface LinkHandlers {
  /** A batch of tasks: ids, function ids, opaque bodies, and function sources not sent before. */
  tasks(ids: number[], fnIds: string[], bodies: Buffer[], functions: FunctionDescriptor[]): void;
  /** The interchange told the pool to stop, or went silent, or the socket failed. */
  stop(reason: string, code: number): void;
}

/**
 * The manager side of the HTEX protocol for pools that are not HTEX's own (MPI rank 0, the MPI-application
 * pool): probe, register with the block id, heartbeat both ways, drain, receive task batches, send result
 * batches with the capacity the pool wants.
 */
export class InterchangeLink {
  readonly #o: LinkOptions;
  readonly #log: Logger;
  readonly #h: LinkHandlers;
  #sock: Dealer | null = null;
  #out: SendQueue | null = null;
  #lastContact = Date.now();
  #timers: NodeJS.Timeout[] = [];
  #advertised = -1;
  #closed = false;

  constructor(o: LinkOptions, log: Logger, handlers: LinkHandlers) {
    this.#o = o;
    this.#log = log;
    this.#h = handlers;
  }

  /** Connects and registers; returns false when no address answered. */
  async open(workerCount: number, capacity: number): Promise<boolean> {
    const o = this.#o;
    const keys = o.certDir === null ? null : await loadCertificates(o.certDir);
    const addr = await probeAddresses(o.addresses, o.port, keys, o.addressProbeTimeoutMs);
    if (addr === null) {
      this.#log.error(`no interchange answered on ${o.addresses.join(', ')} port ${o.port}`);
      return false;
    }
    const sock = new Dealer({ routingId: o.uid });
    tuneSocket(sock);
    secureClient(sock, keys);
    sock.connect(tcpUrl(addr, o.port));
    this.#sock = sock;
    this.#out = new SendQueue(sock, this.#log);
    void this.#receive(sock);
    const reg: Registration = {
      type: 'registration',
      protocolVersion: PROTOCOL_VERSION,
      packageVersion: process.env.PARSL_TS_TEST_FAKE_VERSION ?? PACKAGE_VERSION,
      nodeVersion: process.version,
      uid: o.uid,
      blockId: o.blockId,
      workerCount,
      prefetchCapacity: 0,
      capacity,
      hostname: hostname(),
      os: `${platform()} ${release()}`,
      dir: process.cwd(),
      cpuCount: cpus().length,
      totalMemory: totalmem(),
      startTime: Date.now(),
    };
    this.#advertised = capacity;
    this.#out.send(encode(reg));
    this.#timers.push(
      setInterval(() => {
        if (Date.now() - this.#lastContact > o.heartbeatThresholdMs) {
          this.#h.stop(`no contact with the interchange for ${o.heartbeatThresholdMs} ms`, 1);
          return;
        }
        this.#out?.send(encode({ type: 'heartbeat' }));
      }, o.heartbeatPeriodMs),
    );
    if (o.drainPeriodMs !== null) {
      this.#timers.push(setTimeout(() => this.#out?.send(encode({ type: 'drain' })), o.drainPeriodMs));
    }
    return true;
  }

  async #receive(sock: Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const d = decodeInterchangeToManager(frames);
        if (!d.ok) {
          this.#log.warning(`dropped a message from the interchange: ${d.reason}`);
          continue;
        }
        this.#lastContact = Date.now();
        const m = d.msg;
        if (m.type === 'tasks') this.#h.tasks(m.ids, m.fnIds, splitBatch(m.lengths, d.blob), m.functions);
        else if (m.type === 'stop') this.#h.stop(`interchange: ${m.reason}`, 0);
      }
    } catch (e) {
      if (!this.#closed) this.#h.stop(`socket failed: ${(e as Error).message}`, 1);
    }
  }

  /** Send a batch of results (ids with their bodies) and the capacity the pool wants now. */
  sendResults(ids: number[], lengths: number[], blob: Buffer, capacity: number): void {
    this.#advertised = capacity;
    this.#out?.send(encode({ type: 'results', capacity, ids, lengths }, blob));
  }

  /** Advertise a new capacity without results (only when it changed). */
  sendCapacity(capacity: number): void {
    if (capacity === this.#advertised) return;
    this.#advertised = capacity;
    this.#out?.send(encode({ type: 'capacity', capacity }));
  }

  /** Waits briefly for queued messages to leave, then closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const t of this.#timers) clearInterval(t);
    for (let i = 0; i < 50 && this.#out !== null && !this.#out.idle; i++)
      await new Promise((r) => setTimeout(r, 10));
    this.#closed = true;
    this.#out?.close();
    this.#sock?.close();
  }
}
