/**
 * The user's configuration. It sits above the kernel: it names concrete executors (the default thread pool)
 * and the block strategy, and the kernel reads it only through `KernelConfig`, which it satisfies.
 */
import {
  CHECKPOINT_MODES,
  type CheckpointMode,
  type KernelConfig,
  type RetryHandler,
} from './dataflow/kernel-config.js';
import { ConfigurationError } from './errors.js';
import { type Executor, isExecutor } from './executors/base.js';
import { ThreadPoolExecutor } from './executors/threads/thread-pool.js';
import { STRATEGY_NAMES, type StrategyName } from './jobs/strategy.js';
import { isMonitoringHub, type MonitoringHub } from './monitoring/hub.js';
import { type KeySet, OptionReader } from './options.js';

export type { CheckpointMode, RetryHandler } from './dataflow/kernel-config.js';
export type { StrategyName } from './jobs/strategy.js';

/** Options of {@link Config}: camelCase of Parsl's, with the same defaults. */
export interface ConfigOptions {
  /** @default [new ThreadPoolExecutor()] (one thread per core) */
  executors?: Executor[];
  /** Retries per task after its first failure. @default 0 */
  retries?: number;
  retryHandler?: RetryHandler | null;
  /** Global switch for app caching (memoization). @default true */
  appCache?: boolean;
  checkpointMode?: CheckpointMode | null;
  /** 'HH:MM:SS', required with checkpointMode 'periodic'. */
  checkpointPeriod?: string | null;
  /** Checkpoint directories to load (getAllCheckpoints()/getLastCheckpoint()). */
  checkpointFiles?: string[] | null;
  /** `null` turns scaling off, as Parsl's `strategy=None` (the same as 'none'). @default 'simple' */
  strategy?: StrategyName | null;
  /** Seconds between strategy passes. @default 5 */
  strategyPeriod?: number;
  /** Seconds a block may idle before scale-in. @default 120 */
  maxIdletime?: number;
  /** Base of the numbered run directories. @default 'runinfo' */
  runDir?: string;
  /** A MonitoringHub, when monitoring is wanted. @default null */
  monitoring?: MonitoringHub | null;
  /**
   * Parsl's usage-tracking level, 0 (off, default) to 3, or Parsl's older `true`/`false` (1/0). Accepted so
   * Parsl configs load; parsl-ts never sends usage data anywhere, whatever the level.
   */
  usageTracking?: number | boolean;
  /** Write `<runDir>/NNN/parsl.log`. @default true */
  initializeLogging?: boolean;
  /** Forget finished tasks' records (futures keep their results). @default true */
  garbageCollect?: boolean;
}

const KNOWN = {
  executors: true,
  retries: true,
  retryHandler: true,
  appCache: true,
  checkpointMode: true,
  checkpointPeriod: true,
  checkpointFiles: true,
  strategy: true,
  strategyPeriod: true,
  maxIdletime: true,
  runDir: true,
  monitoring: true,
  usageTracking: true,
  initializeLogging: true,
  garbageCollect: true,
} satisfies KeySet<ConfigOptions>;

const MODES = [...CHECKPOINT_MODES, null] as const;
const STRATEGIES = [...STRATEGY_NAMES, null] as const;

/** A validated parsl-ts configuration. Unknown or ill-typed fields throw ConfigurationError naming the field. */
export class Config implements KernelConfig {
  readonly executors: Executor[];
  readonly retries: number;
  readonly retryHandler: RetryHandler | null;
  readonly appCache: boolean;
  readonly checkpointMode: CheckpointMode | null;
  readonly checkpointPeriod: string | null;
  readonly checkpointFiles: string[] | null;
  readonly strategy: StrategyName;
  readonly strategyPeriod: number;
  readonly maxIdletime: number;
  readonly runDir: string;
  readonly monitoring: MonitoringHub | null;
  readonly usageTracking: number;
  readonly initializeLogging: boolean;
  readonly garbageCollect: boolean;

  constructor(options: ConfigOptions = {}) {
    const o = new OptionReader<ConfigOptions>('Config', options, KNOWN);
    const executors = o.check<Executor[] | undefined>('executors', undefined, executorsWant);
    this.retries = o.int('retries', 0, 0);
    this.retryHandler = o.check<RetryHandler | null>('retryHandler', null, (v) =>
      v === null || typeof v === 'function' ? null : 'a function (error, task) => cost',
    );
    this.appCache = o.bool('appCache', true);
    this.checkpointMode = o.oneOf('checkpointMode', MODES, null);
    this.checkpointPeriod = o.check<string | null>('checkpointPeriod', null, (v) =>
      v === null || (typeof v === 'string' && /^\d+:[0-5]?\d:[0-5]?\d$/.test(v))
        ? null
        : "a period 'HH:MM:SS'",
    );
    this.checkpointFiles = o.check<string[] | null>('checkpointFiles', null, (v) =>
      v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
        ? null
        : 'an array of checkpoint directory paths',
    );
    this.strategy = o.oneOf('strategy', STRATEGIES, 'simple') ?? 'none';
    this.strategyPeriod = o.number('strategyPeriod', 5, { min: 0.001 });
    this.maxIdletime = o.number('maxIdletime', 120, { min: 0 });
    this.runDir = o.name('runDir', 'runinfo');
    this.monitoring = o.check<MonitoringHub | null>('monitoring', null, (v) =>
      v === null || isMonitoringHub(v) ? null : 'a MonitoringHub or null',
    );
    const tracking = o.raw('usageTracking');
    this.usageTracking =
      typeof tracking === 'boolean'
        ? Number(tracking)
        : o.number('usageTracking', 0, { integer: true, min: 0, max: 3 });
    this.initializeLogging = o.bool('initializeLogging', true);
    this.garbageCollect = o.bool('garbageCollect', true);
    const chosen = executors ?? [new ThreadPoolExecutor()];
    const labels = new Set<string>();
    for (const e of chosen) {
      if (labels.has(e.label))
        throw new ConfigurationError(`Config field 'executors': duplicate label '${e.label}'`);
      labels.add(e.label);
    }
    this.executors = chosen;
    if (this.checkpointMode === 'periodic' && this.checkpointPeriod === null) {
      throw new ConfigurationError(
        "Config field 'checkpointPeriod' is required with checkpointMode 'periodic'",
      );
    }
  }
}

const EXECUTOR_MEMBERS = ['label', 'start', 'submit', 'outstanding', 'shutdown'] as const;

/** What is wrong with a value given as `executors`, or null; names the first element that is not an executor. */
function executorsWant(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0) return 'a non-empty array of executors';
  const i = v.findIndex((e) => !isExecutor(e));
  if (i < 0) return null;
  if (typeof v[i] === 'function')
    return `an array of executors, but element ${i} is a class or function: construct it, e.g. new ${(v[i] as { name?: string }).name || 'ThreadPoolExecutor'}({ … })`;
  const e = v[i] as Record<string, unknown> | null;
  const missing =
    typeof e === 'object' && e !== null
      ? EXECUTOR_MEMBERS.filter((m) =>
          m === 'label' ? typeof e[m] !== 'string' : typeof e[m] !== 'function',
        )
      : EXECUTOR_MEMBERS;
  return `an array of executors, but element ${i} is not one (it lacks ${missing.join(', ')}; an executor has a string label and methods start, submit, outstanding, shutdown)`;
}
