import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getLogger } from '../logging.js';
import { type ExecutionProvider, JobState, JobStatus } from '../providers/base.js';
import type { Executor, ExecutorContext, ExecutorMonitor, ExecutorTask, TaskDone } from './base.js';
import { simpleErrorHandler } from './block-error-handlers.js';

/**
 * Decides from block statuses whether the executor is broken; returns the error to fail it with, or null. It sees
 * only the blocks that can tell a broken configuration: lost blocks (a pool registered, then the block ended) are
 * left out, for they came up fine; the strategy replaces them and their tasks are retried.
 */
export type BlockErrorHandler = (
  label: string,
  statuses: ReadonlyMap<string, JobStatus>,
  initBlocks: number,
) => Error | null;

/**
 * The scaling capability the strategy works with: the strategy asks for it instead of testing `instanceof`, so any
 * executor can offer it without inheriting from a particular class.
 * Any executor that starts workers in provider blocks exposes it as `executor.scaling`.
 */
export interface BlockScaling {
  readonly label: string;
  readonly provider: ExecutionProvider;
  /** Task slots per node, for the strategy's arithmetic. */
  readonly workersPerNode: number;
  /** Whether `scaleIn` can choose idle blocks and honour `maxIdletimeMs` (htex_auto_scale's scale-in). */
  readonly idleAwareScaleIn: boolean;
  badState(): Error | null;
  outstanding(): number;
  /** Refresh block statuses from the provider, at most once per `provider.statusPollingInterval` unless forced. */
  pollStatus(force?: boolean): Promise<void>;
  /** Block id → status, with failed submits, SCALED_IN and MISSING (terminal, never registered) applied. */
  statuses(): ReadonlyMap<string, JobStatus>;
  /** Run the block error handler; may put the executor in a bad state. */
  handleErrors(): void;
  scaleOut(blocks: number): Promise<string[]>;
  scaleIn(blocks: number, opts?: { maxIdletimeMs?: number | null }): Promise<string[]>;
}

export interface BlockExecutor extends Executor {
  readonly scaling: BlockScaling;
}

export function isBlockProviderExecutor(e: Executor): e is BlockExecutor {
  const s = (e as Partial<BlockExecutor>).scaling;
  return (
    typeof s === 'object' && s !== null && typeof s.scaleOut === 'function' && typeof s.scaleIn === 'function'
  );
}

/**
 * Base of every executor whose workers run in provider blocks (HighThroughputExecutor, and the MPI pools whose
 * rank 0 registers with the same interchange). It owns the block ↔ job id maps, status polling and rewriting,
 * scale out/in, the block error handler and the bad state; subclasses say how to launch a block, which blocks
 * have registered, how to choose blocks to scale in, and how to fail every task they hold.
 */
export abstract class BlockProviderExecutor implements Executor, BlockScaling {
  abstract readonly label: string;
  readonly provider: ExecutionProvider;
  readonly idleAwareScaleIn: boolean = false;
  protected readonly blockLog = getLogger('parsl.executors.blocks');
  readonly #errorHandler: BlockErrorHandler | null;
  readonly #blockToJob = new Map<string, string>();
  readonly #jobToBlock = new Map<string, string>();
  readonly #polled = new Map<string, JobStatus>();
  /** Statuses we know without asking the provider: failed submits and SCALED_IN. */
  readonly #simulated = new Map<string, JobStatus>();
  #registered: ReadonlySet<string> = new Set();
  #nextBlock = 0;
  #lastPoll = Number.NEGATIVE_INFINITY;
  /** Monitoring, when on; set at start. */
  #monitor: ExecutorMonitor | null = null;
  /** The state last reported to monitoring per block. */
  readonly #reported = new Map<string, JobState>();
  #bad: Error | null = null;

  constructor(provider: ExecutionProvider, errorHandler: boolean | BlockErrorHandler) {
    this.provider = provider;
    this.#errorHandler =
      errorHandler === true ? simpleErrorHandler : errorHandler === false ? null : errorHandler;
  }

  get scaling(): BlockScaling {
    return this;
  }

  abstract get workersPerNode(): number;
  abstract start(ctx: ExecutorContext): Promise<void>;
  abstract submit(task: ExecutorTask, done: TaskDone): void;
  abstract outstanding(): number;
  abstract shutdown(): Promise<void>;
  /** The command a block runs (through the provider's launcher) to start one pool for `blockId`. */
  protected abstract launchCommand(blockId: string): string;
  /**
   * How many copies of the launch command the provider's launcher starts per node: one pool per node, unless the
   * pool is itself a parallel job (an MPI pool runs one rank per task slot).
   */
  protected get tasksPerNode(): number {
    return 1;
  }
  /** Block ids that ever had a pool register. */
  protected abstract connectedBlocks(): Promise<Iterable<string>>;
  /**
   * Block ids with a pool registered now, or null when the executor cannot tell. A live block that had a pool and
   * has none now lost it (stopped, frozen, cut off): it is cancelled so the strategy can replace it.
   */
  protected async blocksWithPools(): Promise<Iterable<string> | null> {
    return null;
  }
  /** Fail every task held and every later submit with `err`. */
  protected abstract failAll(err: Error): void;

  /** Point the provider's scripts at `<runDir>/submit_scripts`. */
  protected async prepareProvider(ctx: ExecutorContext): Promise<void> {
    this.#monitor = ctx.monitor ?? null;
    const dir = join(ctx.runDir, 'submit_scripts');
    await mkdir(dir, { recursive: true });
    this.provider.scriptDir = dir;
  }

  badState(): Error | null {
    return this.#bad;
  }

  /** Put the executor in a bad state: every current and future task fails with `err`. Idempotent. */
  protected setBadState(err: Error): void {
    if (this.#bad !== null) return;
    this.#bad = err;
    this.blockLog.error(`executor ${this.label} is in a bad state: ${err.message}`);
    this.failAll(err);
  }

  async scaleOut(blocks: number): Promise<string[]> {
    const started: string[] = [];
    for (let i = 0; i < blocks && this.#bad === null; i++) {
      const blockId = String(this.#nextBlock++);
      const name = `parsl.${this.label}.block-${blockId}`;
      try {
        const jobId = await this.provider.submit(this.launchCommand(blockId), this.tasksPerNode, name);
        this.#blockToJob.set(blockId, jobId);
        this.#jobToBlock.set(jobId, blockId);
        this.#polled.set(blockId, new JobStatus(JobState.PENDING));
        this.#reportBlock(blockId, this.#polled.get(blockId)!);
        started.push(blockId);
        this.blockLog.info(`${this.label}: block ${blockId} submitted as job ${jobId}`);
      } catch (e) {
        this.blockLog.error(
          `${this.label}: block ${blockId} could not be submitted: ${(e as Error).message}`,
        );
        this.#simulated.set(
          blockId,
          new JobStatus(JobState.FAILED, `submit failed: ${(e as Error).message}`),
        );
      }
    }
    return started;
  }

  /** Default scale-in: the first `blocks` live blocks. Subclasses that know idleness override {@link chooseBlocksToScaleIn}. */
  async scaleIn(blocks: number, opts: { maxIdletimeMs?: number | null } = {}): Promise<string[]> {
    const chosen = await this.chooseBlocksToScaleIn(blocks, opts.maxIdletimeMs ?? null);
    if (chosen.length === 0) return [];
    await this.cancelBlocks(chosen);
    return chosen;
  }

  protected async chooseBlocksToScaleIn(blocks: number, _maxIdletimeMs: number | null): Promise<string[]> {
    return this.liveBlocks().slice(0, blocks);
  }

  /** Blocks submitted and not known to be terminal, oldest first. */
  protected liveBlocks(): string[] {
    const out: string[] = [];
    for (const b of this.#blockToJob.keys()) {
      if (this.#simulated.has(b)) continue;
      if (!this.#polled.get(b)?.terminal) out.push(b);
    }
    return out;
  }

  protected async cancelBlocks(
    blockIds: string[],
    as: JobStatus = new JobStatus(JobState.SCALED_IN, 'scaled in'),
  ): Promise<void> {
    const jobIds = blockIds.map((b) => this.#blockToJob.get(b)).filter((j): j is string => j !== undefined);
    try {
      await this.provider.cancel(jobIds);
    } catch (e) {
      this.blockLog.error(
        `${this.label}: cancelling blocks ${blockIds.join(',')} failed: ${(e as Error).message}`,
      );
    }
    for (const b of blockIds) {
      this.#simulated.set(b, as);
      this.#reportBlock(b, as);
    }
    this.blockLog.info(`${this.label}: ${as.message ?? 'cancelled'}: blocks ${blockIds.join(',')}`);
  }

  /** Cancel every live block (shutdown, poller close). */
  protected async cancelAllBlocks(): Promise<void> {
    const live = this.liveBlocks();
    if (live.length > 0) await this.cancelBlocks(live);
    const ended = [...this.#blockToJob.entries()].filter(([b]) => !live.includes(b)).map(([, j]) => j);
    if (ended.length > 0 && this.provider.reap) {
      try {
        await this.provider.reap(ended);
      } catch (e) {
        this.blockLog.error(`${this.label}: ending what ended blocks left failed: ${(e as Error).message}`);
      }
    }
  }

  /** Monitoring's BLOCK_INFO: a block's state as first seen and at every change. */
  #reportBlock(blockId: string, s: JobStatus): void {
    if (this.#monitor === null || this.#reported.get(blockId) === s.state) return;
    this.#reported.set(blockId, s.state);
    this.#monitor.block({
      executorLabel: this.label,
      blockId,
      jobId: this.#blockToJob.get(blockId) ?? null,
      status: JobState[s.state] ?? String(s.state),
      time: Date.now(),
    });
  }

  async pollStatus(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.#lastPoll < this.provider.statusPollingInterval) return;
    this.#lastPoll = now;
    const blocks = this.liveBlocks();
    if (blocks.length > 0) {
      try {
        const st = await this.provider.status(blocks.map((b) => this.#blockToJob.get(b)!));
        blocks.forEach((b, i) => {
          const s = st[i];
          if (s) {
            this.#polled.set(b, s);
            this.#reportBlock(b, s);
          }
        });
      } catch (e) {
        this.blockLog.warning(`${this.label}: status poll failed: ${(e as Error).message}`);
      }
    }
    try {
      this.#registered = new Set(await this.connectedBlocks());
      // Asked after the registered blocks, so a pool registering in between counts as present, not lost.
      const withPools = await this.blocksWithPools();
      if (withPools !== null) await this.#cancelLostBlocks(new Set(withPools));
    } catch (e) {
      this.blockLog.debug(`${this.label}: could not list connected blocks: ${(e as Error).message}`);
    }
  }

  /** Cancel live blocks whose pools registered and are gone: their jobs run on, but serve no task any more. */
  async #cancelLostBlocks(withPools: ReadonlySet<string>): Promise<void> {
    const lost = this.liveBlocks().filter(
      (b) => this.#registered.has(b) && !withPools.has(b) && this.#polled.get(b)?.state === JobState.RUNNING,
    );
    if (lost.length === 0) return;
    this.blockLog.warning(`${this.label}: blocks ${lost.join(',')} lost their pools; cancelling them`);
    await this.cancelBlocks(lost, new JobStatus(JobState.FAILED, 'lost: its pool stopped answering'));
  }

  statuses(): ReadonlyMap<string, JobStatus> {
    const out = new Map<string, JobStatus>();
    for (const [b, s] of this.#polled) out.set(b, this.#rewrite(b, s));
    for (const [b, s] of this.#simulated)
      out.set(b, s.state === JobState.SCALED_IN ? s : this.#rewrite(b, s));
    return out;
  }

  /** A terminal block that never registered a pool is MISSING (Parsl #3568), unless we scaled it in. */
  #rewrite(b: string, s: JobStatus): JobStatus {
    if (!s.terminal || s.state === JobState.MISSING || this.#registered.has(b)) return s;
    return new JobStatus(
      JobState.MISSING,
      `block ${b} ended (${JobState[s.state]}${s.message ? `: ${s.message}` : ''}) without a worker pool ever registering`,
      s.exitCode,
      s.stdoutPath,
      s.stderrPath,
    );
  }

  handleErrors(): void {
    if (this.#errorHandler === null || this.#bad !== null) return;
    const judged = new Map<string, JobStatus>();
    for (const [b, s] of this.statuses()) if (!(s.terminal && this.#registered.has(b))) judged.set(b, s);
    const err = this.#errorHandler(this.label, judged, this.provider.initBlocks);
    if (err !== null) this.setBadState(err);
  }

  /** Block id of a provider job id (for subclasses mapping pools to blocks). */
  protected blockOfJob(jobId: string): string | undefined {
    return this.#jobToBlock.get(jobId);
  }
}
