import type { Duplex } from 'node:stream';
import { Router } from 'zeromq';
import { addFunctions, type FunctionTable, KnownFunctions } from '../../execute/function-cache.js';
import { getLogger, type Logger } from '../../logging.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { PACKAGE_VERSION } from '../../version.js';
import { ManagerLost } from '../errors.js';
import { type ServerKeys, secureServer } from './curve.js';
import { encodeFramed, FrameReader } from './pipe-codec.js';
import {
  type ClientMessage,
  type Command,
  type CommandReply,
  decodeClientMessage,
  decodeManagerMessage,
  encode,
  type InterchangeToClient,
  type InterchangeToManager,
  type ManagerInfo,
  type ManagerMessage,
  PROTOCOL_VERSION,
  type Registration,
  splitBatch,
  versionString,
} from './protocol.js';
import { encodeResultBody } from './task-codec.js';
import { type QueuedTask, TaskQueue } from './task-queue.js';
import { bindInRange, SendQueue, TurnFlusher, tuneSocket } from './transport.js';
import { ZapAuthenticator } from './zap.js';

/** What the executor hands the interchange process (JSON on its stdin). */
export interface InterchangeConfig {
  /** Where pools connect: addresses of this host (one port for all), or `['*']` for every interface. */
  readonly workerAddresses: readonly string[];
  readonly workerPort: number | null;
  readonly workerPortRange: readonly [number, number];
  readonly certDir: string | null;
  readonly heartbeatPeriodMs: number;
  readonly heartbeatThresholdMs: number;
}

interface ManagerRecord {
  readonly uid: string;
  readonly routing: Buffer;
  readonly reg: Registration;
  capacity: number;
  readonly tasks: Set<number>;
  readonly knownFunctions: KnownFunctions;
  lastSeen: number;
  idleSince: number;
  active: boolean;
  draining: boolean;
}

/**
 * The interchange: one process between the executor and every pool. Tasks wait here in priority order and go to
 * managers with free capacity; results, `ManagerLost` failures and command replies go back. The work happens in
 * named steps driven by socket events and one timer, so the loop reads as the protocol it implements.
 */
export class Interchange {
  readonly #c: InterchangeConfig;
  readonly #log: Logger = getLogger('parsl.htex.interchange');
  readonly #keys: ServerKeys | null;
  readonly #zap: ZapAuthenticator | null;
  /** The executor's private pipe (see engine.ts). */
  readonly #client: Duplex;
  readonly #workers = new Router();
  readonly #toWorkers: SendQueue;
  readonly #managers = new Map<string, ManagerRecord>();
  /** Managers that are active, not draining, and have free capacity: the dispatch candidates. */
  readonly #interesting = new Set<ManagerRecord>();
  readonly #queue = new TaskQueue();
  readonly #functions: FunctionTable = new Map();
  readonly #connectedBlocks = new Set<string>();
  #resultIds: number[] = [];
  #resultLengths: number[] = [];
  /** Result blobs as they arrived (a manager's batch is forwarded whole when every id in it is expected). */
  #resultBufs: Buffer[] = [];
  readonly #resultFlusher = new TurnFlusher(() => this.#flushResults());
  readonly #dispatcher = new TurnFlusher(() => this.#dispatchTasks());
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #onStop: () => void = () => {};

  constructor(config: InterchangeConfig, keys: ServerKeys | null, client: Duplex) {
    this.#c = config;
    this.#keys = keys;
    this.#zap = keys === null ? null : new ZapAuthenticator(keys, this.#log);
    this.#client = client;
    tuneSocket(this.#workers);
    secureServer(this.#workers, keys);
    this.#toWorkers = new SendQueue(this.#workers, this.#log);
  }

  /** Start the authenticator, then bind the worker port; resolves with it. */
  async bind(): Promise<{ workerPort: number }> {
    const c = this.#c;
    await this.#zap?.start((err) => {
      this.#log.error(`the ZAP authenticator failed (${err.message}): no pool can connect any more`);
      void this.stop('authenticator failed');
    });
    const workerPort = await bindInRange(this.#workers, c.workerAddresses, c.workerPort, c.workerPortRange);
    this.#log.info(
      `bound worker port ${workerPort} on ${c.workerAddresses.join(',')} (${this.#keys ? 'encrypted; only keys of this executor admitted' : 'plain text'})`,
    );
    return { workerPort };
  }

  /** Serve until shutdown; resolves when stopped. */
  run(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#onStop = resolve;
    });
    this.#listenToClient();
    void this.#workerLoop();
    const tick = Math.max(10, Math.min(this.#c.heartbeatPeriodMs, this.#c.heartbeatThresholdMs / 4));
    this.#timer = setInterval(() => this.#expireBadManagers(), tick);
    return stopped;
  }

  // ---- step: client (executor) messages

  #listenToClient(): void {
    const reader = new FrameReader((meta, blob) => {
      const d = decodeClientMessage([meta, blob]);
      if (!d.ok) this.#log.warning(`dropped a client message: ${d.reason}`);
      else this.#processClientMessage(d.msg, d.blob);
    });
    this.#client.on('data', (chunk: Buffer) => reader.push(chunk));
    this.#client.on('error', (e) => {
      if (!this.#stopped) this.#log.error(`executor pipe failed: ${e.message}`);
    });
    this.#client.on('end', () => void this.stop('the executor pipe closed: the executor is gone'));
  }

  #processClientMessage(m: ClientMessage, blob: Buffer): void {
    switch (m.type) {
      case 'tasks': {
        addFunctions(this.#functions, m.functions);
        const bufs = splitBatch(m.lengths, blob);
        for (let i = 0; i < m.ids.length; i++)
          this.#queue.push(m.ids[i]!, bufs[i]!, m.fnIds[i]!, m.priorities[i]!);
        this.#scheduleDispatch();
        return;
      }
      case 'command':
        this.#sendClient({ type: 'command-reply', reqId: m.reqId, reply: this.#processCommand(m.command) });
        return;
      case 'shutdown':
        void this.stop('the executor asked to shut down');
        return;
    }
  }

  #processCommand(c: Command): CommandReply {
    switch (c.kind) {
      case 'MANAGERS':
        return { kind: 'MANAGERS', managers: [...this.#managers.values()].map((r) => this.#info(r)) };
      case 'CONNECTED_BLOCKS':
        return { kind: 'CONNECTED_BLOCKS', blocks: [...this.#connectedBlocks] };
      case 'HOLD_MANAGER': {
        const r = this.#managers.get(c.manager);
        if (r) {
          r.active = false;
          this.#interesting.delete(r);
          this.#log.info(`holding manager ${r.uid}`);
        }
        return { kind: 'HOLD_MANAGER', held: r !== undefined };
      }
      case 'OUTSTANDING': {
        let running = 0;
        for (const r of this.#managers.values()) running += r.tasks.size;
        return { kind: 'OUTSTANDING', pending: this.#queue.size, running };
      }
    }
  }

  #info(r: ManagerRecord): ManagerInfo {
    return {
      manager: r.uid,
      blockId: r.reg.blockId,
      workerCount: r.reg.workerCount,
      tasks: r.tasks.size,
      idleDuration: r.tasks.size > 0 ? 0 : (Date.now() - r.idleSince) / 1000,
      active: r.active,
      draining: r.draining,
      packageVersion: r.reg.packageVersion,
      nodeVersion: r.reg.nodeVersion,
      hostname: r.reg.hostname,
    };
  }

  // ---- step: manager messages

  async #workerLoop(): Promise<void> {
    try {
      for await (const [peer, ...frames] of this.#workers) {
        const d = decodeManagerMessage(frames);
        if (!d.ok) {
          this.#log.warning(`dropped a message from pool ${printable(peer!)}: ${d.reason}`);
          continue;
        }
        this.#processManagerMessage(peer!, d.msg, d.blob);
      }
    } catch (e) {
      if (!this.#stopped) this.#log.error(`worker socket failed: ${(e as Error).message}`);
    }
  }

  #processManagerMessage(peer: Buffer, m: ManagerMessage, blob: Buffer): void {
    if (m.type === 'probe') {
      this.#sendManager(peer, { type: 'probe-ack' });
      return;
    }
    if (m.type === 'registration') {
      this.#register(peer, m);
      return;
    }
    const r = this.#managers.get(peer.toString());
    if (r === undefined) {
      // Tolerated (Parsl #3632): a pool we expired, or one from before a restart, still talking.
      this.#log.debug(`ignored '${m.type}' from unregistered pool ${printable(peer)}`);
      if (m.type === 'heartbeat')
        this.#sendManager(peer, { type: 'stop', reason: 'unknown pool: register first' });
      return;
    }
    r.lastSeen = Date.now();
    switch (m.type) {
      case 'heartbeat':
        this.#sendManager(peer, { type: 'heartbeat' });
        return;
      case 'capacity':
        this.#setCapacity(r, m.capacity);
        return;
      case 'drain':
        r.draining = true;
        this.#interesting.delete(r);
        this.#log.info(`manager ${r.uid} is draining`);
        this.#expireDrainedManager(r);
        return;
      case 'results':
        this.#takeResults(r, m.ids, m.lengths, blob);
        this.#setCapacity(r, m.capacity);
        this.#expireDrainedManager(r);
        return;
    }
  }

  #register(peer: Buffer, reg: Registration): void {
    const expected = versionString(PROTOCOL_VERSION, PACKAGE_VERSION);
    const received = versionString(reg.protocolVersion, reg.packageVersion);
    const uid = peer.toString();
    if (expected !== received) {
      this.#log.error(
        `pool ${uid} on ${String(reg.hostname)} has ${received}, interchange has ${expected}: rejected`,
      );
      this.#sendManager(peer, {
        type: 'stop',
        reason: `version mismatch: ${received} vs interchange ${expected}`,
      });
      this.#sendClient({
        type: 'version-mismatch',
        manager: uid,
        hostname: String(reg.hostname),
        expected,
        received,
      });
      return;
    }
    if (this.#managers.has(uid)) {
      this.#log.warning(`pool ${uid} registered twice; keeping the first registration`);
      return;
    }
    const now = Date.now();
    const r: ManagerRecord = {
      uid,
      routing: peer,
      reg,
      capacity: reg.capacity,
      tasks: new Set(),
      knownFunctions: new KnownFunctions(),
      lastSeen: now,
      idleSince: now,
      active: true,
      draining: false,
    };
    this.#managers.set(uid, r);
    if (reg.blockId !== null) this.#connectedBlocks.add(reg.blockId);
    this.#log.info(
      `registered pool ${uid} of block ${reg.blockId} on ${reg.hostname}: ${reg.workerCount} workers`,
    );
    this.#setCapacity(r, reg.capacity);
    this.#sendNodeInfo(r, true);
  }

  /** Monitoring's NODE_INFO: a pool registered or went away. */
  #sendNodeInfo(r: ManagerRecord, active: boolean): void {
    const g = r.reg;
    this.#sendClient({
      type: 'node-info',
      pools: [
        {
          uid: r.uid,
          hostname: String(g.hostname),
          blockId: g.blockId,
          cpuCount: g.cpuCount,
          totalMemory: g.totalMemory,
          workerCount: g.workerCount,
          active,
          version: `node ${String(g.nodeVersion)}`,
          time: Date.now(),
          lastHeartbeat: r.lastSeen,
        },
      ],
    });
  }

  #setCapacity(r: ManagerRecord, capacity: number): void {
    r.capacity = capacity;
    if (r.active && !r.draining && r.tasks.size < r.capacity) {
      this.#interesting.add(r);
      this.#scheduleDispatch();
    } else this.#interesting.delete(r);
  }

  #takeResults(r: ManagerRecord, ids: number[], lengths: number[], blob: Buffer): void {
    let expected = 0;
    for (const id of ids) if (r.tasks.has(id)) expected++;
    if (expected === ids.length) {
      for (let i = 0; i < ids.length; i++) {
        r.tasks.delete(ids[i]!);
        this.#resultIds.push(ids[i]!);
        this.#resultLengths.push(lengths[i]!);
      }
      this.#resultBufs.push(blob);
    } else {
      // Duplicates, or tasks already failed with ManagerLost: forward only the expected ones.
      this.#log.warning(`pool ${r.uid} sent ${ids.length - expected} unexpected result(s); dropped them`);
      const bufs = splitBatch(lengths, blob);
      for (let i = 0; i < ids.length; i++) if (r.tasks.delete(ids[i]!)) this.#pushResult(ids[i]!, bufs[i]!);
    }
    if (r.tasks.size === 0) r.idleSince = Date.now();
    this.#scheduleFlush();
  }

  // ---- step: expire lost and drained managers

  #expireBadManagers(): void {
    const now = Date.now();
    for (const r of this.#managers.values()) {
      if (now - r.lastSeen <= this.#c.heartbeatThresholdMs) continue;
      this.#log.error(
        `pool ${r.uid} of block ${r.reg.blockId} on ${r.reg.hostname} is lost: no heartbeat for ${now - r.lastSeen} ms`,
      );
      this.#forget(r);
      this.#failTasks(r, new ManagerLost(r.uid, r.reg.hostname));
      this.#sendManager(r.routing, { type: 'stop', reason: 'declared lost after missing heartbeats' });
    }
  }

  #expireDrainedManager(r: ManagerRecord): void {
    if (!r.draining || r.tasks.size > 0) return;
    this.#log.info(`pool ${r.uid} drained`);
    this.#forget(r);
    this.#sendManager(r.routing, { type: 'stop', reason: 'drained' });
  }

  #forget(r: ManagerRecord): void {
    this.#managers.delete(r.uid);
    this.#interesting.delete(r);
    this.#sendNodeInfo(r, false);
  }

  #failTasks(r: ManagerRecord, err: Error): void {
    const data = toRemoteError(err);
    for (const id of r.tasks) {
      this.#pushResult(id, encodeResultBody({ id, ok: false, error: data }));
    }
    r.tasks.clear();
    this.#scheduleFlush();
  }

  // ---- step: dispatch

  #scheduleDispatch(): void {
    if (this.#stopped) return;
    this.#dispatcher.request();
  }

  #dispatchTasks(): void {
    if (this.#stopped) return;
    for (const r of this.#interesting) {
      if (this.#queue.size === 0) return;
      const n = Math.min(r.capacity - r.tasks.size, this.#queue.size);
      if (n > 0) this.#sendTasks(r, n);
      // Re-insert at the end so the next dispatch starts with another manager (round robin).
      this.#interesting.delete(r);
      if (r.tasks.size < r.capacity) this.#interesting.add(r);
    }
  }

  #sendTasks(r: ManagerRecord, n: number): void {
    const ids: number[] = new Array(n);
    const bufs: Buffer[] = new Array(n);
    const lengths: number[] = new Array(n);
    const fnIds: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = this.#queue.shift() as QueuedTask;
      ids[i] = t.id;
      fnIds[i] = t.fnId;
      bufs[i] = t.buf;
      lengths[i] = t.buf.length;
      r.tasks.add(t.id);
    }
    const fns = r.knownFunctions.forBatch(fnIds, this.#functions);
    this.#toWorkers.send([
      r.routing,
      ...encode(
        { type: 'tasks', functions: fns, fnIds, ids, lengths },
        n === 1 ? bufs[0]! : Buffer.concat(bufs),
      ),
    ]);
  }

  // ---- outgoing

  #scheduleFlush(): void {
    this.#resultFlusher.request();
  }

  #flushResults(): void {
    if (this.#resultIds.length === 0) return;
    const blob = this.#resultBufs.length === 1 ? this.#resultBufs[0]! : Buffer.concat(this.#resultBufs);
    this.#sendClient({ type: 'results', ids: this.#resultIds, lengths: this.#resultLengths }, blob);
    this.#resultIds = [];
    this.#resultLengths = [];
    this.#resultBufs = [];
  }

  #pushResult(id: number, body: Buffer): void {
    this.#resultIds.push(id);
    this.#resultLengths.push(body.length);
    this.#resultBufs.push(body);
  }

  #sendClient(m: InterchangeToClient, blob?: Buffer): void {
    if (this.#client.writable) this.#client.write(encodeFramed(encode(m)[0]!, blob));
  }

  #sendManager(peer: Buffer, m: InterchangeToManager): void {
    this.#toWorkers.send([peer, ...encode(m)]);
  }

  /** Tell every pool to stop, then close; idempotent. */
  async stop(reason: string): Promise<void> {
    if (this.#stopped) return;
    this.#log.info(`interchange stopping: ${reason}`);
    for (const r of this.#managers.values())
      this.#sendManager(r.routing, { type: 'stop', reason: 'interchange shutting down' });
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    // Give the stop messages a moment to leave; pools also exit on their own when we go silent.
    const deadline = Date.now() + 500;
    while (!this.#toWorkers.idle && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    this.#toWorkers.close();
    this.#client.end();
    this.#workers.close();
    this.#zap?.close();
    this.#onStop();
  }
}

function printable(b: Buffer): string {
  const s = b.toString('utf8');
  return /^[\x20-\x7e]{1,64}$/.test(s) ? s : `0x${b.subarray(0, 16).toString('hex')}`;
}
