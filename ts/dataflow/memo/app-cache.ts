import { dirname, join } from 'node:path';
import { ConfigurationError } from '../../errors.js';
import type { TaskOutcome } from '../../executors/base.js';
import { getLogger } from '../../logging.js';
import type { CheckpointMode, KernelConfig } from '../kernel-config.js';
import { CheckpointWriter, getAllCheckpoints, readCheckpoint } from './checkpoint.js';
import { hashTask } from './hash.js';
import type { Memoizer, MemoLookup, MemoTask } from './memoizer.js';

export { getAllCheckpoints, getLastCheckpoint } from './checkpoint.js';
export { hashValue, idForMemo, UnhashableArgument } from './hash.js';

const log = getLogger('parsl.dataflow.memoization');

/** A memo table entry whose first task is still running; identical newcomers share `lookup` once they ask. */
class Running {
  lookup: { readonly pending: Promise<TaskOutcome> } | null = null;
  resolve: ((o: TaskOutcome) => void) | null = null;
  constructor(readonly owner: number) {}
}

/** A successful result: itself the MemoLookup the kernel gets for every later identical call. */
class Done {
  constructor(
    readonly hash: string,
    readonly outcome: TaskOutcome,
    /** Already in a checkpoint file (written by this run, or loaded from one). */
    public saved: boolean,
  ) {}
}

export interface AppCacheOptions {
  /** Config.appCache: with false nothing is looked up or recorded (checkpoints stay empty). */
  readonly appCache: boolean;
  readonly mode: CheckpointMode | null;
  readonly periodMs: number | null;
  /** Checkpoints to load; null means "find previous runs' checkpoints" when a mode is set. */
  readonly files: readonly string[] | null;
  /** This run's directory (`<base>/NNN`); checkpoints go to `<runDir>/checkpoint`. */
  readonly runDir: string;
}

/**
 * The app cache and its checkpoints.
 *
 * - Lookups: a task of an app declared with `cache: true` is hashed at launch (after its dependencies resolve).
 *   A finished identical task's result is reused (`memo_done`). An identical task still running is shared:
 *   the newcomer waits for it and gets its final outcome, success or failure, without running again.
 * - Failures are never memoized after the fact: once a failed task is final, the next identical call runs again,
 *   in this run and after a restart alike (Parsl memoizes exceptions in memory but not in checkpoints, #3939).
 * - Checkpoints hold successful results of cached apps whose result is data (see `uncheckpointable`).
 */
export class AppCache implements Memoizer {
  readonly #table = new Map<string, Running | Done>();
  /** Results not yet in a checkpoint file, when a mode other than task_exit is set. */
  #unsaved: Done[] = [];
  #writer: CheckpointWriter | null = null;
  #opening: Promise<CheckpointWriter> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(readonly options: AppCacheOptions) {}

  get checkpointDir(): string {
    return join(this.options.runDir, 'checkpoint');
  }

  async start(): Promise<void> {
    const { appCache, mode, files, runDir, periodMs } = this.options;
    const sources = files ?? (mode !== null ? getAllCheckpoints(dirname(runDir)) : []);
    if (appCache) await this.#load(sources.filter((s) => s !== this.checkpointDir));
    // With 'manual' nothing is written before dfk.checkpoint() is called (or cleanup runs).
    if (mode !== null && mode !== 'manual') await this.#openWriter();
    if (mode === 'periodic' && periodMs !== null) {
      this.#timer = setInterval(() => {
        this.checkpoint().catch((e: Error) => log.error(`periodic checkpoint failed: ${e.message}`));
      }, periodMs);
      this.#timer.unref();
    }
  }

  async #load(sources: readonly string[]): Promise<void> {
    let n = 0;
    for (const src of sources) {
      for (const r of await readCheckpoint(src)) {
        this.#table.set(r.hash, new Done(r.hash, { ok: true, value: r.value }, true));
        n++;
      }
    }
    if (sources.length > 0) log.info(`loaded ${n} memoized result(s) from ${sources.length} checkpoint(s)`);
  }

  check(task: MemoTask): MemoLookup {
    if (!task.memoize || !this.options.appCache) return null;
    task.hashsum ??= hashTask(task);
    const hash = task.hashsum;
    const e = this.#table.get(hash);
    if (e === undefined) {
      this.#table.set(hash, new Running(task.id));
      return null;
    }
    if (e instanceof Done) return e;
    // The entry's own task coming back for a retry must run, not wait for itself.
    if (e.owner === task.id) return null;
    e.lookup ??= { pending: new Promise<TaskOutcome>((r) => (e.resolve = r)) };
    return e.lookup;
  }

  update(task: MemoTask, outcome: TaskOutcome): void {
    const hash = task.hashsum;
    if (hash === null || !task.memoize) return;
    const e = this.#table.get(hash);
    if (!(e instanceof Running) || e.owner !== task.id) return;
    e.resolve?.(outcome);
    if (!outcome.ok) {
      this.#table.delete(hash);
      return;
    }
    const done = new Done(hash, outcome, false);
    this.#table.set(hash, done);
    if (this.#closed) return;
    const mode = this.options.mode;
    if (mode === 'task_exit' && this.#writer !== null) this.#save(this.#writer, done);
    else if (mode !== null) this.#unsaved.push(done);
  }

  /** Write every result not yet checkpointed, fsync, and resolve to the checkpoint directory. */
  async checkpoint(): Promise<string> {
    const w = await this.#openWriter();
    if (this.options.mode === null) {
      // Without a mode nothing is queued as it finishes; an explicit checkpoint() saves the whole table.
      for (const e of this.#table.values()) if (e instanceof Done && !e.saved) this.#save(w, e);
    } else {
      const unsaved = this.#unsaved;
      this.#unsaved = [];
      for (const e of unsaved) if (!e.saved) this.#save(w, e);
    }
    await w.sync();
    return w.dir;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer) clearInterval(this.#timer);
    try {
      // Any mode writes what is still unsaved at exit; with no mode only explicit checkpoint() calls write.
      if (this.options.mode !== null) await this.checkpoint();
    } finally {
      this.#closed = true;
      this.#unsaved = [];
      await (this.#writer ?? (await this.#opening?.catch(() => null)))?.close();
    }
  }

  #save(w: CheckpointWriter, e: Done): void {
    e.saved = true;
    const why = w.append(e.hash, (e.outcome as { value: unknown }).value);
    if (why !== null && log.enabled('debug')) {
      log.debug(`the result for memo hash ${e.hash} is not checkpointed: it contains ${why}`);
    }
  }

  #openWriter(): Promise<CheckpointWriter> {
    this.#opening ??= CheckpointWriter.create(this.checkpointDir).then((w) => (this.#writer = w));
    return this.#opening;
  }
}

/**
 * The kernel's memoizer for a configuration, or null when there is nothing to do (`appCache: false` and no
 * checkpoint mode).
 */
export function createMemoizer(config: KernelConfig, runDir: string): Memoizer | null {
  if (!config.appCache && config.checkpointMode === null) return null;
  return new AppCache({
    appCache: config.appCache,
    mode: config.checkpointMode,
    periodMs: config.checkpointMode === 'periodic' ? parsePeriod(config.checkpointPeriod ?? '') : null,
    files: config.checkpointFiles,
    runDir,
  });
}

/** 'HH:MM:SS' → milliseconds. */
export function parsePeriod(p: string): number {
  const m = /^(\d+):([0-5]?\d):([0-5]?\d)$/.exec(p);
  const ms = m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : 0;
  if (!(ms > 0)) {
    throw new ConfigurationError(
      `Config field 'checkpointPeriod' must be a positive period 'HH:MM:SS', got '${p}'`,
    );
  }
  return ms;
}
