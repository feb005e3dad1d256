import {
  type ResolvedStagingOptions,
  readStagingOptions,
  STAGING_KEYS,
  type StagingOptions,
} from '../../data/staging.js';
import { type KeySet, OptionReader } from '../../options.js';
import type { ExecutionProvider } from '../../providers/base.js';
import { LocalProvider } from '../../providers/local/local.js';
import type { BlockErrorHandler } from '../block-provider.js';
import { parseCpuAffinity } from './manager/resources.js';

/** An interchange address as a user gives it: a literal, or a lookup such as `addressByHostname()`. */
export type AddressSpec = string | Promise<string>;

/**
 * The options every executor built on the interchange takes (HTEX and the MPI executors): the interchange, the
 * link its pools keep with it, and the blocks. Durations are in seconds, as in Parsl.
 */
export interface InterchangeOptions extends StagingOptions {
  /** @default the class name */
  label?: string;
  /** Starts and stops blocks. @default new LocalProvider() */
  provider?: ExecutionProvider;
  /**
   * Where pools reach the interchange (`addressByHostname()` etc. may be passed unresolved).
   * - one address: the interchange listens there and pools connect there;
   * - a list: pools probe every entry at once and keep the first that answers; the interchange listens on the
   *   entries that are this host's interface addresses (on every interface when none is);
   * - `null`: the interchange listens on every interface and pools probe all of this host's addresses.
   * @default null
   */
  address?: AddressSpec | readonly AddressSpec[] | null;
  /** Fixed worker port. @default null (a free port of workerPortRange) */
  workerPort?: number | null;
  /** @default [54000, 55000] */
  workerPortRange?: [number, number];
  /** Seconds between heartbeats. @default 30 */
  heartbeatPeriod?: number;
  /** Seconds of silence after which a pool is lost (and a pool gives up on the interchange). @default 120 */
  heartbeatThreshold?: number;
  /** Seconds after which each pool drains and exits. @default null (never) */
  drainPeriod?: number | null;
  /** Seconds a pool waits for an address to answer. @default 30 */
  addressProbeTimeout?: number;
  /** CurveZMQ encryption of the interchange ↔ pool link (the executor ↔ interchange link is a private pipe). @default true */
  encrypted?: boolean;
  /** Debug logging in pools and the interchange. @default false */
  workerDebug?: boolean;
  /** `true` = fail the executor when every block failed; `false` = never; or a custom handler. @default true */
  blockErrorHandler?: boolean | BlockErrorHandler;
  /** Seconds the interchange has to start and the command channel to answer. @default 30 */
  startTimeout?: number;
}

/** The options that size, place and feed the workers of HTEX's process pool. */
export interface WorkerOptions {
  /** @default 1 */
  coresPerWorker?: number;
  /** GB of memory per worker. @default null (no limit) */
  memPerWorker?: number | null;
  /** @default Infinity */
  maxWorkersPerNode?: number;
  /**
   * How workers are pinned to the pool's CPUs (with `taskset`, plus `OMP_NUM_THREADS`, `GOMP_CPU_AFFINITY`,
   * `KMP_AFFINITY`): `none`; `block` (consecutive CPUs, worker 0 first); `block-reverse` (worker 0 last);
   * `alternating` (round robin); `list:0,1:2-3` (one cpu list per worker, exactly as many as workers).
   * @default 'none'
   */
  cpuAffinity?: string;
  /**
   * Accelerator ids (or a count n for "0".."n-1"): at most one worker per entry, each seeing only its own in
   * `CUDA_VISIBLE_DEVICES`, `ROCR_VISIBLE_DEVICES` and `ZE_AFFINITY_MASK`. Repeat an id to share a device.
   * @default []
   */
  availableAccelerators?: number | readonly string[];
  /** Extra tasks each pool holds beyond its workers' own pipelines. @default 0 */
  prefetchCapacity?: number;
  /**
   * Estimated work, in milliseconds, a worker may hold queued behind its running task. Short tasks then stream
   * (hundreds in flight per worker) while long tasks stay one running plus one queued, so load stays balanced.
   * 0 gives Parsl's behaviour (one task per worker plus `prefetchCapacity`).
   * @default 2
   */
  pipelineMs?: number;
}

/** What a user writes (options → resolved options → pool flags). */
export interface HtexOptions extends InterchangeOptions, WorkerOptions {}

/** {@link InterchangeOptions} with every default filled in, durations in milliseconds. */
export interface ResolvedInterchangeOptions extends ResolvedStagingOptions {
  readonly label: string;
  readonly provider: ExecutionProvider;
  readonly address: AddressSpec | readonly AddressSpec[] | null;
  readonly workerPort: number | null;
  readonly workerPortRange: readonly [number, number];
  readonly heartbeatPeriodMs: number;
  readonly heartbeatThresholdMs: number;
  readonly drainPeriodMs: number | null;
  readonly addressProbeTimeoutMs: number;
  readonly encrypted: boolean;
  readonly workerDebug: boolean;
  readonly blockErrorHandler: boolean | BlockErrorHandler;
  readonly startTimeoutMs: number;
}

/** {@link WorkerOptions} with every default filled in. */
export interface ResolvedWorkerOptions {
  readonly coresPerWorker: number;
  readonly memPerWorker: number | null;
  readonly maxWorkersPerNode: number;
  readonly cpuAffinity: string;
  readonly availableAccelerators: readonly string[];
  readonly prefetchCapacity: number;
  readonly pipelineMs: number;
}

export interface ResolvedHtexOptions extends ResolvedInterchangeOptions, ResolvedWorkerOptions {}

/** HTEX's defaults, in the user's units; the `worker-pool` command line reads them too. */
export const DEFAULTS = {
  workerPortRange: [54000, 55000],
  heartbeatPeriod: 30,
  heartbeatThreshold: 120,
  addressProbeTimeout: 30,
  startTimeout: 30,
  coresPerWorker: 1,
  maxWorkersPerNode: Number.POSITIVE_INFINITY,
  cpuAffinity: 'none',
  prefetchCapacity: 0,
  pipelineMs: 2,
} as const;

export const INTERCHANGE_KEYS = {
  ...STAGING_KEYS,
  label: true,
  provider: true,
  address: true,
  workerPort: true,
  workerPortRange: true,
  heartbeatPeriod: true,
  heartbeatThreshold: true,
  drainPeriod: true,
  addressProbeTimeout: true,
  encrypted: true,
  workerDebug: true,
  blockErrorHandler: true,
  startTimeout: true,
} as const satisfies KeySet<InterchangeOptions>;

export const WORKER_KEYS = {
  coresPerWorker: true,
  memPerWorker: true,
  maxWorkersPerNode: true,
  cpuAffinity: true,
  availableAccelerators: true,
  prefetchCapacity: true,
  pipelineMs: true,
} as const satisfies KeySet<WorkerOptions>;

const HTEX_KEYS = { ...INTERCHANGE_KEYS, ...WORKER_KEYS } satisfies KeySet<HtexOptions>;

/** Keys an executor refuses on purpose, all for one reason (an OptionReader's `retired` record). */
export function refuse(keys: Iterable<string>, why: string): Record<string, string> {
  return Object.fromEntries([...keys].map((k) => [k, why]));
}

/** Parsl options that configure the executor ↔ interchange TCP link, which parsl-ts replaces with a pipe. */
export const RETIRED = refuse(
  ['loopbackAddress', 'interchangePortRange'],
  'the executor talks to its interchange over a private pipe, not a port; remove it',
);

export function resolveHtexOptions(options: unknown): ResolvedHtexOptions {
  const o = new OptionReader<HtexOptions>('HighThroughputExecutor', options, HTEX_KEYS, RETIRED);
  return { ...readInterchangeOptions(o, 'HighThroughputExecutor'), ...readWorkerOptions(o) };
}

/** Reads the interchange's options; a subclass passes its own reader, which also knows its own keys. */
export function readInterchangeOptions(
  o: OptionReader<InterchangeOptions>,
  label: string,
): ResolvedInterchangeOptions {
  const drain = o.number('drainPeriod', null, { min: 0, exclusiveMin: true });
  return {
    ...readStagingOptions(o),
    label: o.name('label', label),
    provider:
      o.check<ExecutionProvider | undefined>('provider', undefined, (v) =>
        typeof v === 'object' && v !== null && typeof (v as ExecutionProvider).submit === 'function'
          ? null
          : 'an execution provider (e.g. new LocalProvider())',
      ) ?? new LocalProvider(),
    address: o.check<AddressSpec | readonly AddressSpec[] | null>('address', null, (v) =>
      v === null || (Array.isArray(v) ? v.length > 0 && v.every(isAddress) : isAddress(v))
        ? null
        : 'an address, a promise of one, or a non-empty list of them (no spaces or commas)',
    ),
    workerPort: o.number('workerPort', null, { integer: true, min: 1, max: 65535 }),
    workerPortRange: o.check<[number, number]>('workerPortRange', [...DEFAULTS.workerPortRange], (v) =>
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((p) => Number.isInteger(p) && p > 0 && p < 65536) &&
      v[0] < v[1]
        ? null
        : 'a [low, high) pair of ports',
    ),
    heartbeatPeriodMs: o.seconds('heartbeatPeriod', DEFAULTS.heartbeatPeriod),
    heartbeatThresholdMs: o.seconds('heartbeatThreshold', DEFAULTS.heartbeatThreshold),
    drainPeriodMs: drain === null ? null : Math.round(drain * 1000),
    addressProbeTimeoutMs: o.seconds('addressProbeTimeout', DEFAULTS.addressProbeTimeout),
    encrypted: o.bool('encrypted', true),
    workerDebug: o.bool('workerDebug', false),
    blockErrorHandler: o.check<boolean | BlockErrorHandler>('blockErrorHandler', true, (v) =>
      typeof v === 'boolean' || typeof v === 'function' ? null : 'true, false or a handler function',
    ),
    startTimeoutMs: o.seconds('startTimeout', DEFAULTS.startTimeout),
  };
}

/**
 * HTEX's worker options as they describe a pool that runs one unpinned worker per slot of a node (the MPI pools,
 * which refuse the worker options and size themselves).
 */
export function oneWorkerPerSlot(slotsPerNode: number, pipelineMs: number): ResolvedWorkerOptions {
  return {
    coresPerWorker: 1,
    memPerWorker: null,
    maxWorkersPerNode: slotsPerNode,
    cpuAffinity: 'none',
    availableAccelerators: [],
    prefetchCapacity: 0,
    pipelineMs,
  };
}

/** How long a worker (or a worker rank) may hold work queued behind its running task. */
export function readPipelineMs(o: OptionReader<Pick<WorkerOptions, 'pipelineMs'>>): number {
  return o.number('pipelineMs', DEFAULTS.pipelineMs, { min: 0 });
}

function readWorkerOptions(o: OptionReader<WorkerOptions>): ResolvedWorkerOptions {
  return {
    coresPerWorker: o.number('coresPerWorker', DEFAULTS.coresPerWorker, { min: 0, exclusiveMin: true }),
    memPerWorker: o.number('memPerWorker', null, { min: 0, exclusiveMin: true }),
    maxWorkersPerNode: o.number('maxWorkersPerNode', DEFAULTS.maxWorkersPerNode, {
      min: 0,
      exclusiveMin: true,
    }),
    cpuAffinity: o.check<string>('cpuAffinity', DEFAULTS.cpuAffinity, cpuAffinityWant).toLowerCase(),
    availableAccelerators: accelerators(
      o.check<number | readonly string[]>('availableAccelerators', [], acceleratorsWant),
    ),
    prefetchCapacity: Math.floor(o.number('prefetchCapacity', DEFAULTS.prefetchCapacity, { min: 0 })),
    pipelineMs: readPipelineMs(o),
  };
}

/** Addresses and accelerator ids travel comma-separated on the pool's command line. */
export function isListItem(v: unknown): v is string {
  return typeof v === 'string' && /^[^\s,]+$/.test(v);
}

function isAddress(v: unknown): boolean {
  return v instanceof Promise || isListItem(v);
}

function cpuAffinityWant(v: unknown): string | null {
  if (typeof v !== 'string') return 'a string';
  try {
    parseCpuAffinity(v);
    return null;
  } catch (e) {
    return `a CPU affinity policy (${(e as Error).message})`;
  }
}

function acceleratorsWant(v: unknown): string | null {
  if (typeof v === 'number')
    return Number.isInteger(v) && v >= 0 ? null : 'a count (integer ≥ 0) or a list of ids';
  return Array.isArray(v) && v.every(isListItem) ? null : 'a count or a list of ids without spaces or commas';
}

function accelerators(v: number | readonly string[]): readonly string[] {
  return typeof v === 'number' ? Array.from({ length: v }, (_, i) => String(i)) : [...v];
}
