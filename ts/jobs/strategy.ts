import type { BlockScaling } from '../executors/block-provider.js';
import { getLogger } from '../logging.js';
import { JobState } from '../providers/base.js';

export const STRATEGY_NAMES = ['none', 'simple', 'htex_auto_scale'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

interface PerExecutor {
  first: boolean;
  idleSince: number | null;
}

/**
 * Parsl's block strategies. `none` starts `initBlocks` and nothing more; `simple` scales out with load and in
 * after `maxIdletime` without tasks; `htex_auto_scale` also scales in surplus idle blocks while tasks remain.
 * Out rounds up and in rounds down, so a steady load never oscillates (Parsl #3696/#3721); every surplus block
 * is removed in one tick (#2195); blocks that have not registered count as active (#2627).
 */
export class Strategy {
  readonly #log = getLogger('parsl.jobs.strategy');
  readonly #state = new Map<BlockScaling, PerExecutor>();

  constructor(
    readonly name: StrategyName,
    readonly maxIdletimeMs: number,
  ) {}

  async strategize(executors: readonly BlockScaling[]): Promise<void> {
    for (const s of executors) {
      if (s.badState() !== null) continue;
      let st = this.#state.get(s);
      if (st === undefined) {
        st = { first: true, idleSince: null };
        this.#state.set(s, st);
      }
      if (st.first) {
        st.first = false;
        if (s.provider.initBlocks > 0) await s.scaleOut(s.provider.initBlocks);
      }
      if (this.name !== 'none') await this.#general(s, st);
    }
  }

  async #general(s: BlockScaling, st: PerExecutor): Promise<void> {
    const p = s.provider;
    const tasks = s.outstanding();
    let blocks = 0;
    for (const status of s.statuses().values()) {
      if (status.state === JobState.RUNNING || status.state === JobState.PENDING) blocks++;
    }
    const perBlock = Math.max(1, s.workersPerNode * p.nodesPerBlock);
    const slots = blocks * perBlock;
    if (tasks > 0) st.idleSince = null;

    if (tasks === 0) {
      if (blocks <= p.minBlocks) return;
      const now = Date.now();
      if (st.idleSince === null) {
        st.idleSince = now;
        return;
      }
      if (now - st.idleSince < this.maxIdletimeMs) return;
      this.#log.info(
        `${s.label}: idle for ${now - st.idleSince} ms, scaling in ${blocks - p.minBlocks} block(s)`,
      );
      await s.scaleIn(blocks - p.minBlocks);
      st.idleSince = null;
    } else if (slots < tasks * p.parallelism) {
      if (blocks >= p.maxBlocks) return;
      const excessSlots = Math.ceil(tasks * p.parallelism - slots);
      const n = Math.min(Math.ceil(excessSlots / perBlock), p.maxBlocks - blocks);
      this.#log.info(`${s.label}: ${tasks} tasks on ${slots} slots, scaling out ${n} block(s)`);
      await s.scaleOut(n);
    } else if (slots === 0 && tasks > 0) {
      if (blocks < p.maxBlocks) await s.scaleOut(1);
    } else if (
      slots > tasks &&
      this.name === 'htex_auto_scale' &&
      s.idleAwareScaleIn &&
      blocks > p.minBlocks
    ) {
      const n = Math.min(
        Math.floor(Math.floor(slots - tasks * p.parallelism) / perBlock),
        blocks - p.minBlocks,
      );
      if (n > 0) {
        this.#log.info(`${s.label}: ${slots} slots for ${tasks} tasks, scaling in up to ${n} idle block(s)`);
        await s.scaleIn(n, { maxIdletimeMs: this.maxIdletimeMs });
      }
    }
  }
}
