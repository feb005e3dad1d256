import type { ResourceSample } from '../executors/base.js';

/**
 * The kernel's task state changes as they travel to the writer thread: one row of `STRIDE` float64s per change
 * in a buffer that is transferred, not cloned, and strings (app names, executor labels, hosts, blocks) as codes
 * into a name table that grows by the names new since the last chunk. What is rarely set (dependencies, output
 * paths, failure histories, hashes, resource samples) goes in a small `extras` array beside it, so the common
 * no-op task costs a few typed-array stores and nothing to clone.
 */
export const EV = {
  task: 0,
  try: 1,
  state: 2,
  /** The state left; -1 when the task was just submitted. */
  previous: 3,
  time: 4,
  app: 5,
  /** Which rows the change also makes: `FLAG` bits. */
  flags: 6,
  invoked: 7,
  memoize: 8,
  executor: 9,
  /** The worker's start and end of this try (FLAG.worker). */
  workerStarted: 10,
  workerEnded: 11,
  host: 12,
  /** -1: no block. */
  block: 13,
  returned: 14,
  failCount: 15,
  failCost: 16,
  /** Index into `extras`, -1 when there is none. */
  extra: 17,
} as const;

export const STRIDE = 18;

export const FLAG = {
  /** The task row (first pending). */
  task: 1,
  /** A try row (launched). */
  try: 2,
  /** The try's end: its times and the worker's. */
  tryEnd: 4,
  /** The task's end. */
  taskEnd: 8,
  /** The worker reported this try: running / running_ended statuses, host and block. */
  worker: 16,
} as const;

/** What an event carries besides numbers, only when one of these is set. */
export interface EventExtra {
  depends?: string;
  /** from app, to app, per dependency edge. */
  edges?: string[];
  stdout?: string;
  stderr?: string;
  outputs?: string;
  failures?: string;
  hashsum?: string;
  samples?: readonly ResourceSample[];
}

/** One chunk as posted to the writer. `events` is transferred. */
export interface EventChunk {
  readonly events: Float64Array<ArrayBuffer>;
  readonly count: number;
  /** Names first used in this chunk; codes number them in order from the previous chunks' end. */
  readonly names: string[];
  readonly extras: EventExtra[];
}

/**
 * The kernel side: fills one chunk at a time. `add` returns the row's offset; the caller stores the fields its
 * flags need (a fresh buffer is all zeros, so unset fields cost nothing).
 */
export class EventBuffer {
  readonly #capacity: number;
  #events: Float64Array<ArrayBuffer>;
  #count = 0;
  #names: string[] = [];
  #extras: EventExtra[] = [];
  readonly #codes = new Map<string, number>();
  /** Most events of a run name the app of the event before: one comparison instead of a lookup. */
  #lastName = '';
  #lastCode = -1;

  constructor(capacity = 2048) {
    this.#capacity = capacity;
    this.#events = new Float64Array(capacity * STRIDE);
  }

  get events(): Float64Array<ArrayBuffer> {
    return this.#events;
  }

  get count(): number {
    return this.#count;
  }

  get full(): boolean {
    return this.#count === this.#capacity;
  }

  /** Reserve the next row; the caller checks `full` afterwards. */
  add(): number {
    return this.#count++ * STRIDE;
  }

  code(name: string): number {
    if (name === this.#lastName) return this.#lastCode;
    let c = this.#codes.get(name);
    if (c === undefined) {
      c = this.#codes.size;
      this.#codes.set(name, c);
      this.#names.push(name);
    }
    this.#lastName = name;
    this.#lastCode = c;
    return c;
  }

  extra(e: EventExtra): number {
    return this.#extras.push(e) - 1;
  }

  /** The chunk filled so far (null if empty); a new one starts. */
  take(): EventChunk | null {
    if (this.#count === 0 && this.#names.length === 0) return null;
    const chunk: EventChunk = {
      events: this.#events,
      count: this.#count,
      names: this.#names,
      extras: this.#extras,
    };
    this.#events = new Float64Array(this.#capacity * STRIDE);
    this.#count = 0;
    this.#names = [];
    this.#extras = [];
    return chunk;
  }
}
