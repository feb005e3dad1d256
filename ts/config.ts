import type { TaskInfo } from './dataflow/task-record.js';
import { ConfigurationError } from './errors.js';
import { type Executor, isExecutor } from './executors/base.js';
import { ThreadPoolExecutor } from './executors/threads/thread-pool.js';

export type CheckpointMode = 'task_exit' | 'periodic' | 'dfk_exit' | 'manual';
export type StrategyName = 'none' | 'simple' | 'htex_auto_scale';

/** `retryHandler(error, task)` returns the cost of this failure; the task retries while the total ≤ `retries`. */
export type RetryHandler = (error: Error, task: TaskInfo) => number;

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
  /** @default 'simple' */
  strategy?: StrategyName | null;
  /** Seconds between strategy passes. @default 5 */
  strategyPeriod?: number;
  /** Seconds a block may idle before scale-in. @default 120 */
  maxIdletime?: number;
  /** Base of the numbered run directories. @default 'runinfo' */
  runDir?: string;
  /** A MonitoringHub, when monitoring is wanted. @default null */
  monitoring?: { start?: unknown; close?: unknown } | null;
  /** 0 (off, default) to 3; parsl-ts never sends usage data off the machine, see README. */
  usageTracking?: number;
  /** Write `<runDir>/NNN/parsl.log`. @default true */
  initializeLogging?: boolean;
  /** Forget finished tasks' records (futures keep their results). @default true */
  garbageCollect?: boolean;
}

type Check = (v: unknown) => string | null;
const num =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? null : `a number ≥ ${min}`;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'a boolean');
const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
const oneOf =
  (...xs: (string | null)[]): Check =>
  (v) =>
    xs.includes(v as string | null) ? null : `one of ${xs.map((x) => JSON.stringify(x)).join(', ')}`;
const nullable =
  (c: Check): Check =>
  (v) =>
    v === null ? null : c(v);

const CHECKS: Record<keyof ConfigOptions, Check> = {
  executors: (v) =>
    Array.isArray(v) && v.length > 0 && v.every(isExecutor) ? null : 'a non-empty array of executors',
  retries: (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a whole number ≥ 0'),
  retryHandler: nullable((v) => (typeof v === 'function' ? null : 'a function (error, task) => cost')),
  appCache: bool,
  checkpointMode: oneOf('task_exit', 'periodic', 'dfk_exit', 'manual', null),
  checkpointPeriod: nullable((v) =>
    typeof v === 'string' && /^\d+:[0-5]?\d:[0-5]?\d$/.test(v) ? null : "a period 'HH:MM:SS'",
  ),
  checkpointFiles: nullable((v) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string')
      ? null
      : 'an array of checkpoint directory paths',
  ),
  strategy: oneOf('none', 'simple', 'htex_auto_scale', null),
  strategyPeriod: num(0.001),
  maxIdletime: num(0),
  runDir: str,
  monitoring: (v) => (v === null || typeof v === 'object' ? null : 'a MonitoringHub or null'),
  usageTracking: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3 ? null : 'an integer 0..3',
  initializeLogging: bool,
  garbageCollect: bool,
};

/** A validated parsl-ts configuration. Unknown or ill-typed fields throw ConfigurationError naming the field. */
export class Config {
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
  readonly monitoring: ConfigOptions['monitoring'];
  readonly usageTracking: number;
  readonly initializeLogging: boolean;
  readonly garbageCollect: boolean;

  constructor(options: ConfigOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigurationError('Config takes an options object');
    for (const [k, v] of Object.entries(options)) {
      const check = CHECKS[k as keyof ConfigOptions];
      if (!check) {
        throw new ConfigurationError(
          `unknown Config field '${k}'; known fields: ${Object.keys(CHECKS).join(', ')}`,
        );
      }
      if (v === undefined) continue;
      const want = check(v);
      if (want) throw new ConfigurationError(`Config field '${k}' must be ${want}; got ${describe(v)}`);
    }
    const executors = options.executors ?? [new ThreadPoolExecutor()];
    const labels = new Set<string>();
    for (const e of executors) {
      if (labels.has(e.label))
        throw new ConfigurationError(`Config field 'executors': duplicate label '${e.label}'`);
      labels.add(e.label);
    }
    this.executors = executors;
    this.retries = options.retries ?? 0;
    this.retryHandler = options.retryHandler ?? null;
    this.appCache = options.appCache ?? true;
    this.checkpointMode = options.checkpointMode ?? null;
    this.checkpointPeriod = options.checkpointPeriod ?? null;
    this.checkpointFiles = options.checkpointFiles ?? null;
    this.strategy = options.strategy ?? 'simple';
    this.strategyPeriod = options.strategyPeriod ?? 5;
    this.maxIdletime = options.maxIdletime ?? 120;
    this.runDir = options.runDir ?? 'runinfo';
    this.monitoring = options.monitoring ?? null;
    this.usageTracking = options.usageTracking ?? 0;
    this.initializeLogging = options.initializeLogging ?? true;
    this.garbageCollect = options.garbageCollect ?? true;
    if (this.checkpointMode === 'periodic' && this.checkpointPeriod === null) {
      throw new ConfigurationError(
        "Config field 'checkpointPeriod' is required with checkpointMode 'periodic'",
      );
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return v.constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
