import type { Communicator } from '../../../mpi/communicator.js';
import { toRemoteError } from '../../../serialize/remote-error.js';
import { WorkerLost } from '../../errors.js';
import { encodeResultBody } from '../../htex/task-codec.js';
import type { ChildDispatch } from './child-dispatch.js';

/** What a dispatcher learns when one of its children is declared hung. */
export interface LostChild {
  /** The child itself. */
  readonly rank: number;
  /** The child and every rank below it: none of them can be reached any more. */
  readonly unreachable: readonly number[];
  /** Tasks the child held, failed with `WorkerLost`: ids and result bodies, index for index. */
  readonly ids: readonly number[];
  readonly bodies: readonly Buffer[];
  /** Why, for the log. */
  readonly detail: string;
}

/**
 * Hung-child detection for a dispatcher (rank 0 or a sub-dispatcher). Every child's progress thread is watched
 * through the communicator (it answers pings even while its JS thread runs a long task); one that stays silent
 * for the threshold is removed from the dispatcher core, so it gets no more tasks, and the tasks it held come
 * back as `WorkerLost` failures for the kernel to retry elsewhere.
 */
export class ChildWatch {
  readonly #comm: Communicator;
  readonly #children: ChildDispatch;
  readonly #below: (rank: number) => readonly number[];
  readonly #onLost: (lost: LostChild) => void;
  readonly #whereabouts = new Map<number, string>();
  readonly #unreachable = new Set<number>();
  #watching = false;

  constructor(
    comm: Communicator,
    children: ChildDispatch,
    below: (rank: number) => readonly number[],
    onLost: (lost: LostChild) => void,
  ) {
    this.#comm = comm;
    this.#children = children;
    this.#below = below;
    this.#onLost = onLost;
    comm.on('silent', (rank, ms) => this.#lose(rank, ms));
  }

  /** Ranks (children and their subtrees) declared lost so far, here or reported from below. */
  get unreachable(): ReadonlySet<number> {
    return this.#unreachable;
  }

  start(thresholdMs: number): void {
    this.#watching = true;
    for (const r of this.#children.ranks) this.#comm.watch(r, { thresholdMs });
  }

  /** Stop watching: a pool that shuts down sees its ranks go quiet inside MPI_Finalize. */
  stop(): void {
    if (!this.#watching) return;
    this.#watching = false;
    for (const r of this.#children.ranks) this.#comm.unwatch(r);
  }

  /** A child introduced itself (`HELLO`: its pid and host), for the error its lost tasks carry. */
  hello(rank: number, payload: Buffer): void {
    this.#whereabouts.set(rank, payload.toString('utf8'));
  }

  /** Ranks a child reported lost below it (`LOST`). */
  lostBelow(ranks: readonly number[]): void {
    for (const r of ranks) this.#unreachable.add(r);
  }

  #lose(rank: number, silentMs: number): void {
    if (!this.#watching || !this.#children.ranks.includes(rank)) return;
    const [pid, host] = (this.#whereabouts.get(rank) ?? '? unknown').split(' ');
    const detail = `MPI rank ${rank} (pid ${pid}) did not answer for ${Math.round(silentMs)} ms: hung or stopped; it gets no more tasks`;
    const ids = this.#children.removeChild(rank);
    const error = toRemoteError(new WorkerLost(`MPI rank ${rank}`, host ?? 'unknown', { detail }));
    const bodies = ids.map((id) => encodeResultBody({ id, ok: false, error }));
    const unreachable = [rank, ...this.#below(rank)];
    for (const r of unreachable) this.#unreachable.add(r);
    this.#onLost({ rank, unreachable, ids, bodies, detail });
  }
}
