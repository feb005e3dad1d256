import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { getAllAddresses, isLoopbackAddress } from '../../addresses.js';
import type { StagingProvider } from '../../data/staging.js';
import { ConfigurationError } from '../../errors.js';
import { getLogger, type Logger } from '../../logging.js';
import type { ExecutionProvider } from '../../providers/base.js';
import type { ExecutorContext, ExecutorMonitor, ExecutorTask, TaskDone } from '../base.js';
import { BlockProviderExecutor } from '../block-provider.js';
import { BadStateException, InvalidResourceSpecification } from '../errors.js';
import { createCertificates } from './curve.js';
import { HtexEngine } from './engine.js';
import {
  type AddressSpec,
  type HtexOptions,
  isListItem,
  type ResolvedHtexOptions,
  resolveHtexOptions,
} from './options.js';
import { type LinkFlags, type PoolCommand, renderPoolCommand, type WorkerPoolFlags } from './pool-command.js';
import type { ManagerInfo } from './protocol.js';
import type { TaskPlacement } from './task-codec.js';

/**
 * The HighThroughputExecutor: an interchange process between this process and one worker pool per node, pools
 * started in provider blocks. This class validates options and speaks for the executor; the work happens in a
 * private `HtexEngine`.
 *
 * The MPI executors extend it with their own pools: they read their options with `resolveOptions`, return
 * their own {@link poolCommand}, and may place tasks (`placeTask`) and set the block's tasks per node.
 *
 * ```ts
 * new HighThroughputExecutor({ label: 'htex', maxWorkersPerNode: 4, provider: new LocalProvider({ initBlocks: 1 }) })
 * ```
 */
export class HighThroughputExecutor extends BlockProviderExecutor {
  readonly label: string;
  readonly storageAccess: readonly StagingProvider[] | null;
  readonly workingDir: string | null;
  override readonly idleAwareScaleIn = true;
  readonly options: ResolvedHtexOptions;
  readonly #log: Logger;
  readonly #engine: HtexEngine;
  #launch: { addresses: string[]; port: number; certDir: string | null; logDir: string } | null = null;
  #ports: { workerPort: number } | null = null;
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  #monitor: ExecutorMonitor | null = null;

  constructor(options: HtexOptions & { provider?: ExecutionProvider } = {}) {
    const resolved = new.target.resolveOptions(options);
    super(resolved.provider, resolved.blockErrorHandler);
    this.options = resolved;
    this.label = resolved.label;
    this.storageAccess = resolved.storageAccess;
    this.workingDir = resolved.workingDir;
    this.#log = getLogger(`parsl.htex.${this.label}`);
    this.#engine = new HtexEngine(this.label, this.#log, {
      onFatal: (err) => this.setBadState(err),
      onPools: (pools) => {
        for (const p of pools) this.#monitor?.node({ ...p, executorLabel: this.label });
      },
    });
  }

  /**
   * Reads and checks the options object, once, for the class being constructed: a subclass that runs its own kind
   * of pool reads its own keys too, refuses the worker options it cannot honour, and returns a superset.
   */
  protected static resolveOptions(options: unknown): ResolvedHtexOptions {
    return resolveHtexOptions(options);
  }

  /** Task slots per node: min(maxWorkersPerNode, cores/coresPerWorker, memory/memPerWorker, accelerators), ∞ → 1. */
  get workersPerNode(): number {
    const o = this.options;
    let n = o.maxWorkersPerNode;
    const p = this.provider;
    if (p.coresPerNode) n = Math.min(n, Math.floor(p.coresPerNode / o.coresPerWorker));
    if (p.memPerNode && o.memPerWorker) n = Math.min(n, Math.floor(p.memPerNode / o.memPerWorker));
    if (o.availableAccelerators.length > 0) n = Math.min(n, o.availableAccelerators.length);
    return Number.isFinite(n) ? Math.max(1, n) : 1;
  }

  async start(ctx: ExecutorContext): Promise<void> {
    if (this.#state !== 'new')
      throw new BadStateException(this.label, `start() called twice (state ${this.#state})`);
    this.#state = 'starting';
    this.#monitor = ctx.monitor ?? null;
    const o = this.options;
    const logDir = join(ctx.runDir, this.label);
    await mkdir(logDir, { recursive: true });
    await this.prepareProvider(ctx);
    const certDir = o.encrypted ? join(logDir, 'certificates') : null;
    if (certDir) await createCertificates(certDir);
    const candidates = o.address === null ? null : await resolveAddresses(o.address);
    const workerAddresses = listenAddresses(candidates, Array.isArray(o.address));
    const ports = await this.#engine.start({
      interchange: {
        workerAddresses,
        workerPort: o.workerPort,
        workerPortRange: o.workerPortRange,
        certDir,
        heartbeatPeriodMs: o.heartbeatPeriodMs,
        heartbeatThresholdMs: o.heartbeatThresholdMs,
      },
      logFile: join(logDir, 'interchange.log'),
      debug: o.workerDebug,
      startTimeoutMs: o.startTimeoutMs,
    });
    this.#ports = ports;
    const addresses = candidates ?? (await getAllAddresses());
    this.#launch = { addresses, port: ports.workerPort, certDir, logDir };
    this.#state = 'running';
    if (!o.encrypted) this.#warnIfExposed(workerAddresses, ports.workerPort);
    this.#log.info(`started: worker port ${ports.workerPort}, pools probe ${addresses.join(',')}`);
  }

  /**
   * Without CurveZMQ whoever reaches the worker port can register as a pool, read every task and forge results:
   * say so (once, at start) unless the port is on loopback only.
   */
  #warnIfExposed(listening: readonly string[], port: number): void {
    const exposed = listening.filter((a) => !isLoopbackAddress(a));
    if (exposed.length === 0) return;
    const where = exposed.map((a) => (a === '*' ? '* (every interface)' : a)).join(', ');
    this.#log.warning(
      `the interchange listens unencrypted (encrypted: false) on ${where}, port ${port}: anyone who can reach it ` +
        'can register a worker pool, read tasks and return forged results; set encrypted: true, or address: ' +
        "'127.0.0.1' when every pool runs on this host",
    );
  }

  /** The interchange's port for pools (on `address`), once started. */
  get interchangePorts(): { workerPort: number } | null {
    return this.#ports;
  }

  /** Where pools find the interchange, for starting a pool by hand: `parsl-ts worker-pool -a … --port …`. */
  get workerLaunchCommand(): (blockId: string) => string {
    return (blockId) => this.launchCommand(blockId);
  }

  submit(task: ExecutorTask, done: TaskDone): void {
    if (this.#state !== 'running' && this.badState() === null) {
      queueMicrotask(() =>
        done({
          ok: false,
          error: new BadStateException(this.label, `submit while ${this.#state}: start the executor first`),
        }),
      );
      return;
    }
    let placement: TaskPlacement;
    try {
      placement = this.placeTask(task.resourceSpecification);
    } catch (e) {
      queueMicrotask(() => done({ ok: false, error: e as Error }));
      return;
    }
    this.#engine.submit(task, done, placement);
  }

  /**
   * Reads a task's resource specification at submit, so a bad one fails at once: HTEX takes only `priority`.
   * Throws InvalidResourceSpecification.
   */
  protected placeTask(spec: Readonly<Record<string, unknown>>): TaskPlacement {
    const extra = Object.keys(spec).filter((k) => k !== 'priority');
    if (extra.length > 0)
      throw new InvalidResourceSpecification(
        extra,
        `${this.constructor.name} accepts only 'priority' in a resource specification, got ${JSON.stringify(Object.keys(spec))}`,
      );
    const p = spec.priority;
    if (p !== undefined && (typeof p !== 'number' || Number.isNaN(p)))
      throw new InvalidResourceSpecification(['priority'], `priority must be a number, got ${String(p)}`);
    return { priority: p ?? null, resources: null };
  }

  outstanding(): number {
    return this.#engine.outstanding;
  }

  protected launchCommand(blockId: string): string {
    return renderPoolCommand(this.poolCommand(blockId));
  }

  /** The pool a block of this executor runs, once started: `parsl-ts worker-pool` and its flags. */
  poolCommand(blockId: string): PoolCommand {
    const o = this.options;
    const flags: WorkerPoolFlags = {
      ...this.linkFlags(blockId),
      'max-workers-per-node': Number.isFinite(o.maxWorkersPerNode) ? o.maxWorkersPerNode : null,
      'cores-per-worker': o.coresPerWorker,
      'mem-per-worker': o.memPerWorker,
      'prefetch-capacity': o.prefetchCapacity,
      'pipeline-ms': o.pipelineMs,
      'cpu-affinity': o.cpuAffinity,
      'available-accelerators': o.availableAccelerators.length > 0 ? o.availableAccelerators.join(',') : null,
    };
    return { subcommand: 'worker-pool', flags };
  }

  /** The flags every pool of this executor needs to join the interchange. */
  protected linkFlags(blockId: string): LinkFlags {
    const l = this.#launch;
    if (l === null) throw new BadStateException(this.label, 'blocks can be started only after start()');
    const o = this.options;
    return {
      addresses: l.addresses.join(','),
      port: l.port,
      'cert-dir': l.certDir,
      'block-id': blockId,
      'hb-period': o.heartbeatPeriodMs,
      'hb-threshold': o.heartbeatThresholdMs,
      'drain-period': o.drainPeriodMs,
      'address-probe-timeout': o.addressProbeTimeoutMs,
      logdir: l.logDir,
      debug: o.workerDebug,
    };
  }

  /** Pools registered now, as the interchange sees them (Parsl's `connected_managers`). */
  async connectedManagers(): Promise<ManagerInfo[]> {
    return (await this.#engine.command({ kind: 'MANAGERS' })).managers;
  }

  /** Every block id that ever had a pool register. */
  async connectedBlocks(): Promise<string[]> {
    return (await this.#engine.command({ kind: 'CONNECTED_BLOCKS' })).blocks;
  }

  /** Tasks the interchange holds: queued for a pool (`pending`) and handed to pools (`running`). */
  async interchangeOutstanding(): Promise<{ pending: number; running: number }> {
    const { pending, running } = await this.#engine.command({ kind: 'OUTSTANDING' });
    return { pending, running };
  }

  /** Blocks with a pool registered now. */
  protected override async blocksWithPools(): Promise<string[]> {
    const blocks = new Set<string>();
    for (const m of await this.connectedManagers()) if (m.blockId !== null) blocks.add(m.blockId);
    return [...blocks];
  }

  /** Stop sending tasks to a pool (used before its block is cancelled). */
  async holdManager(manager: string): Promise<boolean> {
    return (await this.#engine.command({ kind: 'HOLD_MANAGER', manager })).held;
  }

  /**
   * Longest-idle blocks first (Parsl #2120); blocks that never registered count as idle for ever; with
   * `maxIdletimeMs` only blocks with no task idle at least that long. Pools of chosen blocks are held before their
   * blocks are cancelled.
   */
  override async scaleIn(blocks: number, opts: { maxIdletimeMs?: number | null } = {}): Promise<string[]> {
    if (blocks <= 0) return [];
    const maxIdle = opts.maxIdletimeMs ?? null;
    const managers = await this.connectedManagers().catch(() => [] as ManagerInfo[]);
    const info = new Map<string, { tasks: number; idleMs: number; managers: string[] }>();
    for (const b of this.liveBlocks())
      info.set(b, { tasks: 0, idleMs: Number.POSITIVE_INFINITY, managers: [] });
    for (const m of managers) {
      const i = m.blockId === null ? undefined : info.get(m.blockId);
      if (!i) continue;
      i.tasks += m.tasks;
      i.idleMs = Math.min(i.idleMs, m.idleDuration * 1000);
      i.managers.push(m.manager);
    }
    const chosen = [...info.entries()]
      .filter(([, i]) => maxIdle === null || (i.tasks === 0 && i.idleMs >= maxIdle))
      .sort((a, b) => b[1].idleMs - a[1].idleMs || a[1].tasks - b[1].tasks)
      .slice(0, blocks);
    for (const [, i] of chosen) for (const m of i.managers) await this.holdManager(m).catch(() => false);
    const ids = chosen.map(([b]) => b);
    if (ids.length > 0) await this.cancelBlocks(ids);
    return ids;
  }

  protected failAll(err: Error): void {
    this.#engine.failAll(err);
  }

  /** Stops the interchange and every pool, cancels live blocks, fails tasks still held. Idempotent. */
  unref(): void {
    this.#engine.unref();
  }

  async shutdown(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasStarted = this.#state !== 'new';
    this.#state = 'stopped';
    await this.#engine.shutdown(5_000);
    this.#engine.failAll(new BadStateException(this.label, 'shut down while the task was outstanding'));
    if (wasStarted) await this.cancelAllBlocks();
  }
}

/** Await lookups such as `addressByHostname()`; the result goes on the pool's command line, comma-separated. */
async function resolveAddresses(spec: AddressSpec | readonly AddressSpec[]): Promise<string[]> {
  const list = await Promise.all(typeof spec === 'string' || spec instanceof Promise ? [spec] : spec);
  for (const a of list) {
    if (!isListItem(a))
      throw new ConfigurationError(
        `HighThroughputExecutor.address resolved to ${JSON.stringify(a)}: not an address`,
      );
  }
  return list;
}

/**
 * Where the interchange listens for pools: a single address as given; of a list, the entries that are this host's
 * own interface addresses (others may be routes or NAT that only pools see, so they are only probed); else `*`.
 */
function listenAddresses(candidates: readonly string[] | null, isList: boolean): string[] {
  if (candidates === null) return ['*'];
  if (!isList) return [...candidates];
  const own = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address),
  );
  const local = candidates.filter((a) => own.has(a));
  return local.length > 0 ? local : ['*'];
}
