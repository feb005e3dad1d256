import type { ResultWire, TaskWire } from '../../execute/task-wire.js';

/**
 * Messages between the pool (main thread) and one worker thread. Both ends are this package's own code, loaded
 * from the same dist/, so the pool validates only the discriminant and drops anything else.
 *
 * Ordering contract the pool relies on: a worker runs its tasks one at a time in the order received, and
 * answers in that order, skipping only tasks the pool revoked through the start control; so each result a
 * thread reports belongs to the oldest task the pool still counts as sent to it.
 */

/** Data handed to a worker thread at creation. */
export interface WorkerInit {
  /** The claim/revoke word of `start-control.ts`: which tasks the thread started, which the pool took back. */
  readonly startControl: SharedArrayBuffer;
}

export type PoolToWorker =
  /** Tasks to run in order. */
  | { readonly type: 'tasks'; readonly tasks: TaskWire[] }
  /** Kill running bash process groups and exit; sent at shutdown. */
  | { readonly type: 'stop' };

export type WorkerToPool =
  /** Results in task order; `busyMs` is how long the thread was occupied producing them (dispatch window). */
  | {
      readonly type: 'results';
      readonly results: ResultWire[];
      readonly busyMs: number;
      /**
       * With monitoring: each result's start and end on its thread, in pairs (NaN: none), one typed array per
       * batch instead of a report object per result to clone.
       */
      readonly times?: Float64Array;
    }
  /**
   * A task with a walltime starts now; `ordinal` is its 1-based position among the tasks this thread received.
   * Sent only for such tasks, after flushing earlier results.
   */
  | { readonly type: 'started'; readonly ordinal: number }
  /** The thread saw the pool's last revocation (it will skip the revoked tasks): it may be sent tasks again. */
  | { readonly type: 'revoked' };

export function isWorkerToPool(m: unknown): m is WorkerToPool {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'results') return Array.isArray((m as { results?: unknown }).results);
  if (t === 'started') return typeof (m as { ordinal?: unknown }).ordinal === 'number';
  if (t === 'revoked') return true;
  return false;
}
