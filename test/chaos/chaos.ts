// The chaos scenario the test and bench/chaos.ts share: tasks with retries stream through a run while a killer
// sends SIGKILL or SIGSTOP to a random worker, pool or MPI rank at a fixed interval, chosen by a seeded generator
// so a failing run can be replayed (PARSL_CHAOS_SEED). It reports what a user would ask: did every task come back
// right, how often did each side effect happen, what did it cost.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import type { TaskRecord } from '#internal';
import { isStopped } from '../helpers/processes.js';
import { type Run, type Target, targets } from './runs.js';

/** mulberry32: a tiny, fast, seedable generator; the same seed gives the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from PARSL_CHAOS_SEED, or a fresh one. */
export function chaosSeed(): number {
  const env = process.env.PARSL_CHAOS_SEED;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}

export interface Kill {
  readonly atMs: number;
  readonly signal: 'SIGKILL' | 'SIGSTOP';
  readonly what: Target['what'];
  readonly block: string;
  readonly pid: number;
}

/**
 * Every `everyMs`, one signal to one target of the run: a worker or pool (HTEX) or a rank (MPI) of a block whose
 * pool has registered with the interchange, never one that is already stopped. A tick that finds no target (every
 * block being replaced or still starting) passes without a kill. Blocks killed while they start are another case
 * (test/chaos/mpi-start-stall.test.ts): a run whose every block dies before it registers is, rightly, given up with
 * TooManyJobFailures, so a killer that struck starting blocks would make this test depend on luck.
 */
export class Killer {
  readonly kills: Kill[] = [];
  readonly #random: () => number;
  readonly #started = Date.now();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly run: Run,
    seed: number,
    private readonly everyMs: number,
    private readonly stopShare = 1 / 3,
    /** The killer stops itself after this many kills, even while the stream waits for a task to settle. */
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.#random = seededRandom(seed);
  }

  start(): void {
    this.#timer = setInterval(() => this.#strike(), this.everyMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #striking = false;

  #strike(): void {
    if (this.kills.length >= this.limit) {
      this.stop();
      return;
    }
    if (this.#striking) return;
    this.#striking = true;
    this.run.ex
      .connectedManagers()
      .then((managers) => {
        if (this.#timer !== null) this.#strikeAmong(new Set(managers.map((m) => m.blockId)));
      })
      .finally(() => {
        this.#striking = false;
      });
  }

  #strikeAmong(registered: Set<string | null>): void {
    const candidates = targets(this.run)
      .filter((t) => registered.has(t.block) && !isStopped(t.pid))
      .sort((a, b) => a.pid - b.pid);
    if (candidates.length === 0) return;
    const t = candidates[Math.floor(this.#random() * candidates.length)]!;
    const signal = this.#random() < this.stopShare ? 'SIGSTOP' : 'SIGKILL';
    try {
      process.kill(t.pid, signal);
    } catch {
      return; // it exited meanwhile
    }
    this.kills.push({ atMs: Date.now() - this.#started, signal, what: t.what, block: t.block, pid: t.pid });
  }
}

export interface ChaosOptions {
  readonly seed: number;
  /** Tasks stream until the killer has made this many kills (null: no such bound), then the run drains. */
  readonly kills: number | null;
  /** …or until this long has passed (null: no such bound). */
  readonly durationMs?: number | null;
  /** Null: no killer (a baseline run). */
  readonly killEveryMs: number | null;
  /** How long each task sleeps. */
  readonly taskMs: number;
  /** Tasks in flight at once. */
  readonly window: number;
  readonly retries: number;
}

export interface ChaosReport {
  readonly kind: string;
  readonly seed: number;
  readonly tasks: number;
  /** Tasks whose result was wrong or that failed (the target is 0). */
  readonly wrong: number;
  readonly lost: number;
  readonly failures: string[];
  readonly kills: { readonly SIGKILL: number; readonly SIGSTOP: number; readonly log: Kill[] };
  /** Failed tries that were retried, and how many tasks needed any. */
  readonly retriesUsed: number;
  readonly tasksRetried: number;
  /** Side effects per task: fewest and most; tasks outside [1, retries + 1]. */
  readonly sideEffects: { readonly min: number; readonly max: number; readonly outOfBounds: number[] };
  readonly durationMs: number;
  readonly tasksPerSecond: number;
  readonly rssMb: { readonly start: number; readonly peak: number };
}

const chaosTask = parsl.app((i: number, file: string, ms: number) => {
  require('node:fs').appendFileSync(file, `${i}\n`);
  return new Promise<number>((resolve) => setTimeout(() => resolve(i * i), ms));
});

/** Streams tasks through `run` under a killer; returns what happened. The run is left loaded (cleanup is the caller's). */
export async function runChaos(run: Run, o: ChaosOptions): Promise<ChaosReport> {
  const file = join(run.runDir, 'side-effects.txt');
  writeFileSync(file, '');
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  const started = Date.now();
  const killer =
    o.killEveryMs === null ? null : new Killer(run, o.seed, o.killEveryMs, undefined, o.kills ?? undefined);
  const kills = () => killer?.kills ?? [];
  const more = () =>
    lost === 0 &&
    (o.kills === null || kills().length < o.kills) &&
    (o.durationMs == null || Date.now() - started < o.durationMs);
  if (o.kills === null && o.durationMs == null) throw new Error('runChaos needs kills or durationMs to end');
  const failures: string[] = [];
  let tasks = 0;
  let wrong = 0;
  let lost = 0;
  let retriesUsed = 0;
  let tasksRetried = 0;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settle = (i: number, f: parsl.AppFuture<number>) =>
    f.then(
      (v) => {
        if (v !== i * i) {
          wrong++;
          failures.push(`task ${i} returned ${v}`);
        }
      },
      (e: Error) => {
        lost++;
        failures.push(`task ${i}: ${e.name}: ${e.message.split('\n')[0]}`);
      },
    );
  const all: Promise<void>[] = [];
  killer?.start();
  try {
    while (more()) {
      if (inFlight >= o.window) {
        await new Promise<void>((r) => {
          wake = r;
        });
        continue;
      }
      const i = tasks++;
      const f = chaosTask(i, file, o.taskMs);
      inFlight++;
      all.push(
        settle(i, f).finally(() => {
          const r = f.task as TaskRecord;
          retriesUsed += r.failCount;
          if (r.failCount > 0) tasksRetried++;
          inFlight--;
          wake?.();
          wake = null;
        }),
      );
    }
  } finally {
    killer?.stop();
  }
  await Promise.all(all);
  clearInterval(sampler);
  const counts = new Array<number>(tasks).fill(0);
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line) counts[Number(line)]!++;
  const outOfBounds = counts.flatMap((c, i) => (c < 1 || c > o.retries + 1 ? [i] : []));
  return {
    kind: run.kind,
    seed: o.seed,
    tasks,
    wrong,
    lost,
    failures,
    kills: {
      SIGKILL: kills().filter((k) => k.signal === 'SIGKILL').length,
      SIGSTOP: kills().filter((k) => k.signal === 'SIGSTOP').length,
      log: kills(),
    },
    retriesUsed,
    tasksRetried,
    sideEffects: { min: Math.min(...counts), max: Math.max(...counts), outOfBounds },
    durationMs: Date.now() - started,
    tasksPerSecond: Math.round((tasks * 1000) / (Date.now() - started)),
    rssMb: { start: mb(rssStart), peak: mb(rssPeak) },
  };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
