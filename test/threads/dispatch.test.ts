import { describe, expect, test } from 'vitest';
import { Deque, DispatchWindow } from '#internal';

describe('DispatchWindow', () => {
  test('unknown duration: one task at a time, no prefetch', () => {
    const w = new DispatchWindow();
    expect(w.batchSize()).toBe(1);
    expect(w.perThread()).toBe(1);
  });

  test('tiny tasks go in large batches with a second batch in flight', () => {
    const w = new DispatchWindow();
    w.observe(0.5, 1000); // 0.5 µs per task
    expect(w.batchSize()).toBe(DispatchWindow.MAX_BATCH);
    expect(w.perThread()).toBe(2 * DispatchWindow.MAX_BATCH);
  });

  test('10 ms tasks go one at a time with one prefetched', () => {
    const w = new DispatchWindow();
    w.observe(10, 1);
    expect(w.batchSize()).toBe(1);
    expect(w.perThread()).toBe(2);
  });

  test('long tasks are never hoarded: one per thread', () => {
    const w = new DispatchWindow();
    w.observe(0.01, 100);
    w.observe(5000, 1);
    for (let i = 0; i < 20; i++) w.observe(5000, 1);
    expect(w.batchSize()).toBe(1);
    expect(w.perThread()).toBe(1);
  });

  test('the estimate follows a change of workload', () => {
    const w = new DispatchWindow();
    w.observe(1000, 1);
    for (let i = 0; i < 50; i++) w.observe(0.1, 100);
    expect(w.batchSize()).toBe(DispatchWindow.MAX_BATCH);
  });
});

describe('Deque', () => {
  test('FIFO across growth and wrap-around, unshift at the front', () => {
    const d = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 3; i++) {
        d.push(next);
        model.push(next++);
      }
      for (let i = 0; i < (round % 5) + 1; i++) expect(d.shift()).toBe(model.shift());
      if (round % 11 === 0) {
        d.unshift(-round);
        model.unshift(-round);
      }
      expect(d.length).toBe(model.length);
      expect(d.peek()).toBe(model[0]);
    }
    expect(d.drain()).toEqual(model);
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
  });
});

describe('start control (claim / revoke handshake)', () => {
  test('revoked tasks are never claimed; later tasks are', async () => {
    const { StartControl, TaskClaimer, newStartControl } = await import('#internal');
    const sab = newStartControl();
    const pool = new StartControl(sab);
    const thread = new TaskClaimer(sab);
    for (let n = 1; n <= 5; n++) expect(thread.claim(n)).toBe(true);
    expect(pool.started(10)).toBe(5);
    expect(pool.revokeAfterStarted(10)).toBe(5);
    // A second revocation waits until the thread acknowledged the first.
    expect(pool.revokeAfterStarted(12)).toBeNull();
    for (let n = 6; n <= 10; n++) expect(thread.claim(n)).toBe(false);
    expect(thread.claim(11)).toBe(true);
    expect(pool.started(12)).toBe(11);
    expect(pool.revokeAfterStarted(11)).toBeNull(); // nothing unstarted
  });

  test('the thread acknowledges each revocation once; nothing is revoked when the newest held task started', async () => {
    const { StartControl, TaskClaimer, newStartControl } = await import('#internal');
    const sab = newStartControl();
    const pool = new StartControl(sab);
    let acks = 0;
    const thread = new TaskClaimer(sab, () => acks++);
    expect(thread.claim(1)).toBe(true);
    expect(pool.revokeAfterStarted(3)).toBe(1);
    expect(acks).toBe(0);
    expect(thread.claim(2)).toBe(false);
    expect(acks).toBe(1);
    expect(thread.claim(3)).toBe(false);
    expect(thread.claim(4)).toBe(true);
    expect(acks).toBe(1);
    // Tasks 2 and 3 were taken back earlier: with 4 started, the pool holds nothing this thread could skip.
    expect(pool.revokeAfterStarted(4, 4)).toBeNull();
    expect(thread.claim(5)).toBe(true);
    expect(acks).toBe(1);
  });

  test('ordinals past 2^30 are rebuilt exactly', async () => {
    const { StartControl, TaskClaimer, newStartControl } = await import('#internal');
    const sab = newStartControl();
    const pool = new StartControl(sab);
    const thread = new TaskClaimer(sab);
    const big = 2 ** 30;
    expect(thread.claim(big - 2)).toBe(true);
    expect(pool.started(big + 3)).toBe(big - 2);
    expect(pool.revokeAfterStarted(big + 3)).toBe(big - 2);
    expect(thread.claim(big - 1)).toBe(false);
    expect(thread.claim(big + 3)).toBe(false);
    expect(thread.claim(big + 4)).toBe(true);
    expect(pool.started(big + 4)).toBe(big + 4);
    expect(thread.claim(3 * big + 7)).toBe(true);
    expect(pool.started(3 * big + 9)).toBe(3 * big + 7);
  });
});
