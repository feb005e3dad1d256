import type { Executor } from '../executors/base.js';
import { type BlockScaling, isBlockProviderExecutor } from '../executors/block-provider.js';
import { getLogger } from '../logging.js';
import { Strategy, type StrategyName } from './strategy.js';

export interface JobStatusPollerOptions {
  readonly executors: readonly Executor[];
  /** @default 'simple' */
  readonly strategy?: StrategyName;
  /** @default 5000 */
  readonly strategyPeriodMs?: number;
  /** @default 120000 */
  readonly maxIdletimeMs?: number;
}

/**
 * Drives block executors: each tick (the first at once, then every `strategyPeriodMs`) polls block statuses
 * (throttled per provider), runs the block error handler, then the strategy. Executors without blocks are ignored.
 * Ticks never overlap.
 */
export class JobStatusPoller {
  readonly #log = getLogger('parsl.jobs.poller');
  readonly #executors: BlockScaling[] = [];
  readonly #strategy: Strategy;
  readonly #periodMs: number;
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> = Promise.resolve();
  #running = false;
  #closed = false;

  constructor(o: JobStatusPollerOptions) {
    this.#strategy = new Strategy(o.strategy ?? 'simple', o.maxIdletimeMs ?? 120_000);
    this.#periodMs = o.strategyPeriodMs ?? 5_000;
    this.addExecutors(o.executors);
  }

  addExecutors(executors: readonly Executor[]): void {
    for (const e of executors) if (isBlockProviderExecutor(e)) this.#executors.push(e.scaling);
  }

  start(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setInterval(() => this.#poll(), this.#periodMs);
    this.#timer.unref();
    this.#poll();
  }

  /** Run one tick now (and wait for it); used by tests and at start. */
  pollNow(): Promise<void> {
    this.#poll();
    return this.#tick;
  }

  #poll(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.#tick = this.#runTick().finally(() => {
      this.#running = false;
    });
  }

  async #runTick(): Promise<void> {
    try {
      for (const s of this.#executors) {
        if (s.badState() !== null) continue;
        await s.pollStatus();
        s.handleErrors();
      }
      await this.#strategy.strategize(this.#executors);
    } catch (e) {
      this.#log.error(`strategy tick failed: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** Stop ticking and scale in every block of every executor. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#tick;
    for (const s of this.#executors) {
      try {
        await s.scaleIn(Number.MAX_SAFE_INTEGER);
      } catch (e) {
        this.#log.error(`${s.label}: scaling in at close failed: ${(e as Error).message}`);
      }
    }
  }
}
