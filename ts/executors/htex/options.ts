import { ConfigurationError } from '../../errors.js';
import type { ExecutionProvider } from '../../providers/base.js';
import type { BlockErrorHandler } from '../block-provider.js';

/** What a user writes (habit 5: options → resolved options → wire DTOs). Durations are in seconds, as in Parsl. */
export interface HtexOptions {
  /** @default 'HighThroughputExecutor' */
  label?: string;
  /** Starts and stops blocks. @default new LocalProvider() */
  provider?: ExecutionProvider;
  /**
   * Address pools use to reach the interchange (`addressByHostname()` etc. may be passed unresolved). `null`:
   * the interchange listens on every interface and pools probe all of this host's addresses.
   * @default null
   */
  address?: string | Promise<string> | null;
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
  /** `none`, `block`, `block-reverse`, `alternating` or `list:0,1:2,3`. @default 'none' */
  cpuAffinity?: string;
  /** Accelerator ids (or a count n for "0".."n-1"): one worker per accelerator. @default [] */
  availableAccelerators?: number | string[];
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
  readonly address: string | Promise<string> | null;
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
  const acc = o.availableAccelerators ?? [];
  const accelerators =
    typeof acc === 'number' ? Array.from({ length: acc }, (_, i) => String(i)) : acc.map(String);
  const affinity = o.cpuAffinity ?? 'none';
  if (!/^(none|block|block-reverse|alternating|list:[\d,:]+)$/.test(affinity)) {
    fail('cpuAffinity', "'none', 'block', 'block-reverse', 'alternating' or 'list:…'", affinity);
  }
  const drain = o.drainPeriod ?? null;
  return {
    label: o.label ?? 'HighThroughputExecutor',
    address: o.address ?? null,
    workerPort: o.workerPort ?? null,
    workerPortRange: range('workerPortRange', o.workerPortRange, [54000, 55000]),
    coresPerWorker: positive('coresPerWorker', o.coresPerWorker, 1),
    memPerWorker: o.memPerWorker == null ? null : positive('memPerWorker', o.memPerWorker, 0),
    maxWorkersPerNode: positive('maxWorkersPerNode', o.maxWorkersPerNode, Number.POSITIVE_INFINITY),
    cpuAffinity: affinity,
    availableAccelerators: accelerators,
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
