/**
 * How the monitoring writer shares the machine with the workflow (the writer thread applies it; pure, so it is
 * tested alone). While the workflow runs, the writer writes one chunk of task events at a time and then rests
 * so that its writing takes KEEPING_UP_SHARE of a core, or FLOOD_SHARE once a flood of short tasks has queued
 * more than FLOOD_EVENTS. Memory outranks politeness: above MAX_BACKLOG_EVENTS, and at close, it writes at full
 * speed in large transactions.
 */

export const KEEPING_UP_SHARE = 0.1;
export const FLOOD_SHARE = 0.02;
/**
 * 4 chunks of 2,048 task events: a few tenths of a second of writing, seconds behind at the usual share. A
 * workflow of ordinary tasks does not queue this much; a flood of no-ops does within a tenth of a second.
 */
export const FLOOD_EVENTS = 8 * 1024;
export const MAX_BACKLOG_EVENTS = 500_000;
/** Task events per transaction at full speed (a backlog is written in parts this large). */
export const EVENTS_PER_WRITE = 64 * 1024;
/**
 * Task events per transaction while paced: one chunk, a few tens of ms of work. The share bounds the writer's
 * time only between writes: one paced write of the whole backlog (a second or more of CPU) took a third of a
 * core from an HTEX flood while it lasted.
 */
export const PACED_EVENTS_PER_WRITE = 2048;

/** The next write: at most `limit` task events; `paced`: after the rest the previous write left, else at once. */
export function nextWriteLimit(queuedEvents: number): { limit: number; paced: boolean } {
  return queuedEvents > MAX_BACKLOG_EVENTS
    ? { limit: EVENTS_PER_WRITE, paced: false }
    : { limit: PACED_EVENTS_PER_WRITE, paced: true };
}

/** How long to rest after a paced write that took `writeMs`, with `queuedEvents` still waiting. */
export function restAfter(writeMs: number, queuedEvents: number): number {
  if (queuedEvents > MAX_BACKLOG_EVENTS) return 0;
  const share = queuedEvents > FLOOD_EVENTS ? FLOOD_SHARE : KEEPING_UP_SHARE;
  return writeMs * (1 / share - 1);
}
