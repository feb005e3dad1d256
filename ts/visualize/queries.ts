/**
 * The dashboard's queries beyond `monitoringQueries`: a window of tasks with their tries (the Gantt), the
 * workers busy over time, node history and the CPU and memory of the latest resource samples. Each reads an
 * index range or a summary table with a bound, so pages answer at the same speed at 100 and at 10^6 tasks.
 */
import type { ReadDb, WorkflowRow } from '../monitoring/queries.js';
import { parseDatetime } from '../monitoring/schema.js';

/** Buckets a plot of a run's whole duration is drawn with, at most. */
const MAX_BUCKETS = 300;
/** Tasks in one Gantt window. */
export const GANTT_TASKS = 500;
/** Resource samples the CPU and memory plot aggregates (the latest ones). */
const RESOURCE_SAMPLES = 20_000;

/** A bucket width that draws the run's duration so far in at most MAX_BUCKETS points. */
export function bucketSeconds(w: WorkflowRow, now = Date.now()): number {
  const began = parseDatetime(w.time_began);
  const end = w.time_completed === null ? now : parseDatetime(w.time_completed);
  const seconds = Number.isFinite(began) && Number.isFinite(end) ? Math.max(0, (end - began) / 1000) : 0;
  return Math.max(1, Math.ceil(seconds / MAX_BUCKETS));
}

export interface GanttTry {
  readonly task_id: number;
  readonly app: string;
  readonly state: string;
  readonly try_id: number | null;
  readonly invoked: string | null;
  readonly launched: string | null;
  readonly running: string | null;
  readonly returned: string | null;
}

export interface GanttWindow {
  readonly rows: GanttTry[];
  /** Pass as `before` for the previous (older) window; null when this one reaches the first task. */
  readonly before: number | null;
}

/** The newest GANTT_TASKS tasks (below `before`), one row per try, oldest first. */
export function gantt(db: ReadDb, runId: string, before?: number): GanttWindow {
  const ids = db
    .prepare(
      `SELECT task_id FROM parsl_ts_task_state WHERE run_id = ? ${before === undefined ? '' : 'AND task_id < ?'}
       ORDER BY task_id DESC LIMIT ?`,
    )
    .pluck()
    .all(...(before === undefined ? [runId] : [runId, before]), GANTT_TASKS + 1) as number[];
  const more = ids.length > GANTT_TASKS;
  if (more) ids.pop();
  if (ids.length === 0) return { rows: [], before: null };
  const low = ids[ids.length - 1]!;
  const high = ids[0]!;
  const rows = db
    .prepare(
      `SELECT s.task_id, s.task_func_name AS app, s.task_status_name AS state, y.try_id,
         t.task_time_invoked AS invoked, y.task_try_time_launched AS launched, y.task_try_time_running AS running,
         coalesce(y.task_try_time_returned, t.task_time_returned) AS returned
       FROM parsl_ts_task_state s
       JOIN task t ON t.run_id = s.run_id AND t.task_id = s.task_id
       LEFT JOIN try y ON y.run_id = s.run_id AND y.task_id = s.task_id
       WHERE s.run_id = ? AND s.task_id BETWEEN ? AND ? ORDER BY s.task_id, y.try_id`,
    )
    .all(runId, low, high) as GanttTry[];
  return { rows, before: more ? low : null };
}

export interface LaunchPoint {
  readonly second: number;
  readonly app: string;
  /** Tries launched in the bucket. */
  readonly count: number;
}

/**
 * Tries launched per bucket and app, from the timeline summary: only the rows the plot draws are sent (all
 * states of every second would be megabytes at a million tasks).
 */
export function launchesPerApp(db: ReadDb, runId: string, bucket: number): LaunchPoint[] {
  return db
    .prepare(
      `SELECT (second / ?) * ? AS second, task_func_name AS app, sum(n) AS count FROM parsl_ts_timeline
       WHERE run_id = ? AND task_status_name = 'launched' GROUP BY 1, 2 ORDER BY 1`,
    )
    .all(bucket, bucket, runId) as LaunchPoint[];
}

export interface BusyPoint {
  readonly second: number;
  /** Workers that started (`running`) and finished (`running_ended`) a task in the bucket. */
  readonly started: number;
  readonly ended: number;
}

/** Task starts and ends on workers per bucket: their running balance is the number of busy workers. */
export function workerStarts(db: ReadDb, runId: string, bucket: number): BusyPoint[] {
  return db
    .prepare(
      `SELECT (second / ?) * ? AS second,
         sum(CASE WHEN task_status_name = 'running' THEN n ELSE 0 END) AS started,
         sum(CASE WHEN task_status_name = 'running_ended' THEN n ELSE 0 END) AS ended
       FROM parsl_ts_timeline WHERE run_id = ? AND task_status_name IN ('running', 'running_ended')
       GROUP BY 1 ORDER BY 1`,
    )
    .all(bucket, bucket, runId) as BusyPoint[];
}

export interface NodeEvent {
  readonly uid: string;
  readonly hostname: string;
  readonly block_id: string;
  readonly worker_count: number;
  readonly active: number;
  readonly timestamp: string;
}

/** Every registration and departure of a worker pool, oldest first: the workers available over time. */
export function nodeHistory(db: ReadDb, runId: string, limit = 10_000): NodeEvent[] {
  return db
    .prepare(
      `SELECT uid, hostname, block_id, worker_count, active, timestamp FROM node WHERE run_id = ?
       ORDER BY timestamp LIMIT ?`,
    )
    .all(runId, limit) as NodeEvent[];
}

export interface UsagePoint {
  readonly second: number;
  /** CPU seconds (user + system) the tasks used in the bucket: divide by the bucket for cores. */
  readonly cpuSeconds: number;
  /** The sum over tasks of each task's largest resident set in the bucket. */
  readonly rssBytes: number;
  readonly tasks: number;
}

/**
 * CPU and memory of the run's tasks per bucket, from the latest RESOURCE_SAMPLES samples. Samples are
 * cumulative per try: the CPU of a bucket is the growth since the same try's previous sample.
 */
export function resourceUsage(db: ReadDb, runId: string, bucket: number): UsagePoint[] {
  return db
    .prepare(
      `WITH r AS (
         SELECT task_id, try_id, timestamp, CAST(strftime('%s', timestamp) AS INTEGER) AS sec,
           coalesce(psutil_process_time_user, 0) + coalesce(psutil_process_time_system, 0) AS cpu,
           coalesce(psutil_process_memory_resident, 0) AS rss
         FROM resource WHERE run_id = ? ORDER BY timestamp DESC LIMIT ?),
       d AS (
         SELECT (sec / ?) * ? AS second, task_id, try_id, rss,
           cpu - coalesce(lag(cpu) OVER (PARTITION BY task_id, try_id ORDER BY timestamp), 0) AS dcpu
         FROM r),
       per AS (SELECT second, max(rss) AS rss, sum(dcpu) AS cpu FROM d GROUP BY second, task_id, try_id)
       SELECT second, sum(cpu) AS cpuSeconds, sum(rss) AS rssBytes, count(*) AS tasks FROM per
       GROUP BY second ORDER BY second`,
    )
    .all(runId, RESOURCE_SAMPLES, bucket, bucket) as UsagePoint[];
}
