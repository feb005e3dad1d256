/**
 * The shared word through which a pool thread claims each task before starting it, and through which the pool
 * revokes tasks a thread has not started (work stealing). One Int32 word makes the handshake a single
 * compare-and-swap on each side, so a task is either started by its thread or revoked, never both.
 *
 * Slot 0: the ordinal of the last task the thread started, modulo 2^30, plus the FENCE bit while a revocation
 * is pending. Slot 1: the last revoked ordinal, modulo 2^30. Ordinals are 1-based positions among the tasks
 * one thread received; the pool and the thread never differ by 2^30 tasks, so full values are rebuilt exactly.
 */
export const FENCE = 1 << 30;
export const MASK = FENCE - 1;

export function newStartControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(8);
}

/** The full ordinal of `low` (an ordinal modulo 2^30) that is at most `ref` and within 2^30 of it. */
export function fullBelow(ref: number, low: number): number {
  return ref - ((ref - low) & MASK);
}

/** The thread's side: claim ordinal `n`, or learn that it was revoked (returns the revoked-up-to ordinal). */
export class TaskClaimer {
  readonly #ctl: Int32Array;
  readonly #onRevoked: () => void;
  #revokedUpTo = 0;

  /**
   * `onRevoked` runs when the thread acknowledges a revocation: the pool sends a revoked thread nothing until
   * it hears of it, since tasks sent meanwhile could be neither started nor taken back.
   */
  constructor(sab: SharedArrayBuffer, onRevoked: () => void = () => {}) {
    this.#ctl = new Int32Array(sab);
    this.#onRevoked = onRevoked;
  }

  /** True when the task with ordinal `n` may start; false when the pool took it back. */
  claim(n: number): boolean {
    const ctl = this.#ctl;
    for (;;) {
      if (n <= this.#revokedUpTo) return false;
      const cur = Atomics.load(ctl, 0);
      if (cur & FENCE) {
        // The pool revoked every task up to slot 1 that had not started; n - 1 <= that ordinal < n - 1 + 2^30.
        this.#revokedUpTo = n - 1 + ((Atomics.load(ctl, 1) - (n - 1)) & MASK);
        Atomics.store(ctl, 0, cur & MASK); // acknowledge: the pool leaves slot 0 alone while FENCE is set
        this.#onRevoked();
        continue;
      }
      if (Atomics.compareExchange(ctl, 0, cur, n & MASK) === cur) return true;
    }
  }
}

/** The pool's side for one thread. */
export class StartControl {
  readonly #ctl: Int32Array;

  constructor(sab: SharedArrayBuffer) {
    this.#ctl = new Int32Array(sab);
  }

  /** Ordinal of the last task the thread started, given the last ordinal sent to it. */
  started(lastSent: number): number {
    return fullBelow(lastSent, Atomics.load(this.#ctl, 0) & MASK);
  }

  /**
   * Revoke every task after the one the thread is running, up to `lastSent`. Returns the last ordinal that
   * started (tasks after it will never start on this thread), or null when nothing could be revoked: the
   * thread has started `lastHeld` (the newest task the pool still counts as unstarted, `lastSent` unless the
   * newest were revoked before), or an earlier revocation is not yet acknowledged.
   */
  revokeAfterStarted(lastSent: number, lastHeld = lastSent): number | null {
    const ctl = this.#ctl;
    for (;;) {
      const cur = Atomics.load(ctl, 0);
      if (cur & FENCE) return null;
      const started = fullBelow(lastSent, cur);
      if (started >= lastHeld) return null;
      Atomics.store(ctl, 1, lastSent & MASK);
      if (Atomics.compareExchange(ctl, 0, cur, cur | FENCE) === cur) return started;
    }
  }
}
