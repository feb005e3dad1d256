import { ConfigurationError } from '../../errors.js';
import type { ExecutionProvider } from '../../providers/base.js';
import type { BlockErrorHandler } from '../block-provider.js';
import { parseCpuAffinity } from './manager/resources.js';

/** An interchange address as a user gives it: a literal, or a lookup such as `addressByHostname()`. */
export type AddressSpec = string | Promise<string>;

/**
 * What a user writes. It is checked and resolved once into `ResolvedHtexOptions` (defaults applied, milliseconds),
 * and the interchange configuration and pool flags are built from that. Durations are in seconds, as in Parsl.
 */
export interface HtexOptions {
  /** @default 'HighThroughputExecutor' */
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

export interface ResolvedHtexOptions {
  readonly label: string;
  readonly address: AddressSpec | readonly AddressSpec[] | null;
  readonly workerPort: number | null;
  readonly workerPortRange: readonly [number, number];
  readonly coresPerWorker: number;
  readonly memPerWorker: number | null;
  readonly maxWorkersPerNode: number;
  readonly cpuAffinity: string;
  readonly availableAccelerators: readonly string[];
  readonly prefetchCapacity: number;
  readonly pipelineMs: number;
  readonly heartbeatPeriodMs: number;
  readonly heartbeatThresholdMs: number;
  readonly drainPeriodMs: number | null;
  readonly addressProbeTimeoutMs: number;
  readonly encrypted: boolean;
  readonly workerDebug: boolean;
  readonly blockErrorHandler: boolean | BlockErrorHandler;
  readonly startTimeoutMs: number;
}

const KNOWN = new Set<string>([
  'label',
  'provider',
  'address',
  'workerPort',
  'workerPortRange',
  'coresPerWorker',
  'memPerWorker',
  'maxWorkersPerNode',
  'cpuAffinity',
  'availableAccelerators',
  'prefetchCapacity',
  'pipelineMs',
  'heartbeatPeriod',
  'heartbeatThreshold',
  'drainPeriod',
  'addressProbeTimeout',
  'encrypted',
  'workerDebug',
  'blockErrorHandler',
  'startTimeout',
]);

/** Parsl options that configure the executor ↔ interchange TCP link, which parsl-ts replaces with a pipe. */
const RETIRED = new Set<string>(['loopbackAddress', 'interchangePortRange']);

function fail(field: string, want: string, got: unknown): never {
  throw new ConfigurationError(
    `HighThroughputExecutor.${field} must be ${want}, got ${JSON.stringify(got) ?? String(got)}`,
  );
}

function positive(field: string, v: unknown, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowZero && v === 0))
    fail(field, allowZero ? 'a number ≥ 0' : 'a number > 0', v);
  return v;
}

function range(field: string, v: unknown, dflt: [number, number]): [number, number] {
  if (v === undefined) return dflt;
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((p) => Number.isInteger(p) && p > 0 && p < 65536) ||
    v[0] >= v[1]
  ) {
    fail(field, 'a [low, high) pair of ports', v);
  }
  return [v[0], v[1]];
}

const ms = (s: number) => Math.round(s * 1000);

export function resolveHtexOptions(o: HtexOptions): ResolvedHtexOptions {
  for (const k of Object.keys(o)) {
    if (RETIRED.has(k)) {
      throw new ConfigurationError(
        `HighThroughputExecutor.${k} is not used by parsl-ts: the executor talks to its interchange over a private pipe, not a port; remove it`,
      );
    }
    if (!KNOWN.has(k)) throw new ConfigurationError(`HighThroughputExecutor has no option '${k}'`);
  }
  const drain = o.drainPeriod ?? null;
  return {
    label: o.label ?? 'HighThroughputExecutor',
    address: addressOption(o.address),
    workerPort: o.workerPort ?? null,
    workerPortRange: range('workerPortRange', o.workerPortRange, [54000, 55000]),
    coresPerWorker: positive('coresPerWorker', o.coresPerWorker, 1),
    memPerWorker: o.memPerWorker == null ? null : positive('memPerWorker', o.memPerWorker, 0),
    maxWorkersPerNode: positive('maxWorkersPerNode', o.maxWorkersPerNode, Number.POSITIVE_INFINITY),
    cpuAffinity: cpuAffinityOption(o.cpuAffinity),
    availableAccelerators: acceleratorsOption(o.availableAccelerators),
    prefetchCapacity: Math.floor(positive('prefetchCapacity', o.prefetchCapacity, 0, true)),
    pipelineMs: positive('pipelineMs', o.pipelineMs, 2, true),
    heartbeatPeriodMs: ms(positive('heartbeatPeriod', o.heartbeatPeriod, 30)),
    heartbeatThresholdMs: ms(positive('heartbeatThreshold', o.heartbeatThreshold, 120)),
    drainPeriodMs: drain === null ? null : ms(positive('drainPeriod', drain, 0)),
    addressProbeTimeoutMs: ms(positive('addressProbeTimeout', o.addressProbeTimeout, 30)),
    encrypted: o.encrypted ?? true,
    workerDebug: o.workerDebug ?? false,
    blockErrorHandler: o.blockErrorHandler ?? true,
    startTimeoutMs: ms(positive('startTimeout', o.startTimeout, 30)),
  };
}

/** Addresses and accelerator ids travel comma-separated on the pool's command line. */
export function isListItem(v: unknown): v is string {
  return typeof v === 'string' && /^[^\s,]+$/.test(v);
}

function addressOption(v: unknown): AddressSpec | readonly AddressSpec[] | null {
  if (v === undefined || v === null) return null;
  const ok = (a: unknown) => a instanceof Promise || isListItem(a);
  if (Array.isArray(v) ? v.length > 0 && v.every(ok) : ok(v)) return v as AddressSpec | AddressSpec[];
  return fail(
    'address',
    'an address, a promise of one, or a non-empty list of them (no spaces or commas)',
    v,
  );
}

function cpuAffinityOption(v: unknown): string {
  if (v === undefined) return 'none';
  if (typeof v !== 'string') return fail('cpuAffinity', 'a string', v);
  try {
    parseCpuAffinity(v);
  } catch (e) {
    throw new ConfigurationError(`HighThroughputExecutor.cpuAffinity: ${(e as Error).message}`, { cause: e });
  }
  return v.toLowerCase();
}

function acceleratorsOption(v: unknown): readonly string[] {
  if (v === undefined) return [];
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0)
      fail('availableAccelerators', 'a count (integer ≥ 0) or a list of ids', v);
    return Array.from({ length: v }, (_, i) => String(i));
  }
  if (!Array.isArray(v) || !v.every(isListItem))
    fail('availableAccelerators', 'a count or a list of ids without spaces or commas', v);
  return [...v];
}
