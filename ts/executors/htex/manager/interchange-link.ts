import { randomBytes } from 'node:crypto';
import { hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { type Logger, type LogHandle, setFileLogger } from '../../../logging.js';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import { PACKAGE_VERSION } from '../../../version.js';
import { type ClientKeys, loadCertificates, secureClient } from '../curve.js';
import {
  decodeInterchangeToManager,
  encode,
  PROTOCOL_VERSION,
  type Registration,
  splitBatch,
} from '../protocol.js';
import { SendQueue, tcpUrl, tuneSocket } from '../transport.js';
import { probeAddresses } from './address-probe.js';
import { detectResources } from './resources.js';

/** How a pool finds its interchange and keeps the link (the command-line flags every pool subcommand reads). */
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

/** What every pool subcommand is told: the link, and where and how verbosely the pool logs. */
export interface CommonPoolOptions extends LinkOptions {
  readonly logdir: string;
  readonly debug: boolean;
}

/** Log lines of loggers under `name` to `<logdir>/block-<id>/<uid>/<file>`. */
export function openPoolLog(o: CommonPoolOptions, file: string, name: string): LogHandle {
  const path = join(o.logdir, `block-${o.blockId ?? 'none'}`, o.uid, file);
  return setFileLogger(path, { name, level: o.debug ? 'debug' : 'info' });
}

export interface LinkHandlers {
  /** A batch of tasks: ids, function ids, opaque bodies, and function sources not sent before. */
  tasks(ids: number[], fnIds: string[], bodies: Buffer[], functions: FunctionDescriptor[]): void;
  /** The interchange told the pool to stop, or went silent, or the socket failed. */
  stop(reason: string, code: number): void;
}

/** What a pool says about itself at registration; the link adds who and where it is. */
export interface PoolShape {
  readonly workerCount: number;
  readonly prefetchCapacity: number;
  /** How many tasks the pool wants in hand. */
  readonly capacity: number;
}

/** Exit codes of a pool that never joined its interchange (a provider's block error shows them). */
export const CANNOT_START = 2;
export const NO_INTERCHANGE = 3;

export type LinkOpened = { readonly ok: true } | { readonly ok: false; readonly exitCode: number };

export function newPoolUid(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The manager side of the HTEX protocol, for every pool (HTEX's process pool, ExtremeScale rank 0, the
 * MPIExecutor's pool): probe the addresses, register with the block id, heartbeat both ways, drain, receive task
 * batches and commands, send result batches with the capacity the pool wants.
 */
export class InterchangeLink {
  readonly #o: LinkOptions;
  readonly #log: Logger;
  readonly #command: string;
  readonly #h: LinkHandlers;
  #sock: Dealer | null = null;
  #out: SendQueue | null = null;
  #lastContact = Date.now();
  #timers: NodeJS.Timeout[] = [];
  #advertised = -1;
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @param command the pool's subcommand, named in what it writes to stderr */
  constructor(o: LinkOptions, log: Logger, command: string, handlers: LinkHandlers) {
    this.#o = o;
    this.#log = log;
    this.#command = command;
    this.#h = handlers;
  }

  /**
   * A startup failure goes to the pool's log and to stderr, which the provider keeps and block errors show: every
   * pool reports this way, rank 0 and the MPI-application pool as much as HTEX's.
   */
  fatal(message: string): void {
    this.#log.error(message);
    process.stderr.write(`parsl-ts ${this.#command} ${this.#o.uid}: ${message}\n`);
  }

  /** Connects, registers and starts the heartbeat (and drain) timers; when it cannot, says why and how to exit. */
  async open(shape: PoolShape): Promise<LinkOpened> {
    const o = this.#o;
    let keys: ClientKeys | null;
    try {
      keys = o.certDir === null ? null : await loadCertificates(o.certDir);
    } catch (e) {
      this.fatal(`cannot start: ${(e as Error).message}`);
      return { ok: false, exitCode: CANNOT_START };
    }
    const addr = await this.#probe(keys);
    if (addr === null) return { ok: false, exitCode: NO_INTERCHANGE };
    this.#log.info(`pool ${o.uid} (block ${o.blockId}) connecting to ${addr}:${o.port}`);
    const sock = new Dealer({ routingId: o.uid });
    tuneSocket(sock);
    secureClient(sock, keys);
    sock.connect(tcpUrl(addr, o.port));
    this.#sock = sock;
    this.#out = new SendQueue(sock, this.#log);
    void this.#receive(sock);
    this.#register(shape);
    this.#startTimers();
    return { ok: true };
  }

  async #probe(keys: ClientKeys | null): Promise<string | null> {
    const o = this.#o;
    const refusedBy = new Set<string>();
    const addr = await probeAddresses(o.addresses, o.port, keys, o.addressProbeTimeoutMs, (a) =>
      refusedBy.add(a),
    );
    if (addr !== null) return addr;
    const refused =
      refusedBy.size === 0
        ? ''
        : `; ${[...refusedBy].join(', ')} refused this pool's CURVE key (is --cert-dir the certificates directory of the executor that started this block?)`;
    this.fatal(
      `no interchange answered on ${o.addresses.join(', ')} port ${o.port} within ${o.addressProbeTimeoutMs} ms${refused}`,
    );
    return null;
  }

  #register(shape: PoolShape): void {
    const reg: Registration = {
      type: 'registration',
      protocolVersion: PROTOCOL_VERSION,
      packageVersion: process.env.PARSL_TS_TEST_FAKE_VERSION ?? PACKAGE_VERSION,
      nodeVersion: process.version,
      uid: this.#o.uid,
      blockId: this.#o.blockId,
      workerCount: shape.workerCount,
      prefetchCapacity: shape.prefetchCapacity,
      capacity: shape.capacity,
      hostname: hostname(),
      os: `${platform()} ${release()}`,
      dir: process.cwd(),
      // What the pool may use (PARSL_CORES, the affinity mask, as HTEX sizes its workers), not os.cpus(): the
      // host's every core says nothing about a pool confined to a cgroup or a share of a node.
      cpuCount: detectResources().cores,
      totalMemory: totalmem(),
      startTime: Date.now(),
    };
    this.#advertised = shape.capacity;
    this.#out!.send(encode(reg));
  }

  #startTimers(): void {
    const o = this.#o;
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
      // Logged, so the pool's log says why it ends; it keeps working while the interchange sends it nothing new,
      // and stops on the interchange's `stop` once its last result is back.
      this.#timers.push(
        setTimeout(() => {
          this.#log.info(`drain period of ${o.drainPeriodMs} ms over: draining`);
          this.#out?.send(encode({ type: 'drain' }));
        }, o.drainPeriodMs),
      );
    }
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
        switch (m.type) {
          case 'tasks':
            this.#h.tasks(m.ids, m.fnIds, splitBatch(m.lengths, d.blob), m.functions);
            break;
          case 'stop':
            this.#h.stop(`interchange: ${m.reason}`, 0);
            break;
          case 'heartbeat':
          case 'probe-ack':
            break;
        }
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

  /**
   * Waits briefly for queued messages to leave, then closes; idempotent. Every pool closes this way, so results
   * flushed just before a stop are not dropped with the socket.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (let i = 0; i < 50 && this.#out !== null && !this.#out.idle; i++)
      await new Promise((r) => setTimeout(r, 10));
    this.#closed = true;
    this.#out?.close();
    this.#sock?.close();
  }
}
