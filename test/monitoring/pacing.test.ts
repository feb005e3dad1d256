// How the monitoring writer shares the cores with the workflow: small paced writes, full speed only for memory.
import { describe, expect, test } from 'vitest';
import { monitoringPacing as p } from '#internal';

describe('monitoring writer pacing', () => {
  test('while paced, one write takes one chunk of events, however large the backlog', () => {
    for (const queued of [1, p.PACED_EVENTS_PER_WRITE, p.FLOOD_EVENTS + 1, 100_000, p.MAX_BACKLOG_EVENTS]) {
      expect(p.nextWriteLimit(queued)).toEqual({ limit: p.PACED_EVENTS_PER_WRITE, paced: true });
    }
    expect(p.PACED_EVENTS_PER_WRITE).toBeLessThan(p.FLOOD_EVENTS);
  });

  test('the rest after a write keeps the writer to its share of a core', () => {
    const share = (queued: number) => 10 / (10 + p.restAfter(10, queued));
    expect(share(0)).toBeCloseTo(p.KEEPING_UP_SHARE);
    expect(share(p.FLOOD_EVENTS)).toBeCloseTo(p.KEEPING_UP_SHARE);
    expect(share(p.FLOOD_EVENTS + 1)).toBeCloseTo(p.FLOOD_SHARE);
  });

  test('above the backlog limit it writes at once, in large transactions', () => {
    expect(p.nextWriteLimit(p.MAX_BACKLOG_EVENTS + 1)).toEqual({ limit: p.EVENTS_PER_WRITE, paced: false });
    expect(p.restAfter(500, p.MAX_BACKLOG_EVENTS + 1)).toBe(0);
  });
});
