/**
 * The typed read side of the monitoring database, for `parsl-ts visualize` and for users' own tools. Every
 * query is bounded: it reads a summary table, an index range, or one page, never a whole run, so it answers in
 * milliseconds on a million-task database (bench/monitoring.ts measures each one).
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { PARSL_TABLES, SCHEMA_VERSION } from './schema.js';

export type ReadDb = BetterSqlite3.Database;

/** The native SQLite binding is loaded when a database is opened, not when the package is imported. */
const require = createRequire(import.meta.url);

/** What a database file turned out to be. */
export type DatabaseKind =
  /** Written by parsl-ts: every query works. */
  | { readonly kind: 'parsl-ts' }
  /** Written by Python Parsl: its tables are there, parsl-ts's summaries are not. */
  | { readonly kind: 'parsl'; readonly missing: readonly string[] }
  /** Something else: `reason` says what was found. */
  | { readonly kind: 'foreign'; readonly reason: string };

/** Open a monitoring database for reading only (it may be written meanwhile: WAL readers see snapshots). */
export function openForReading(path: string): ReadDb {
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('query_only = true');
  return db;
}

/** Tell a parsl-ts database from a Parsl one or a foreign file, without changing it. */
export function inspect(db: ReadDb): DatabaseKind {
  let tables: Set<string>;
  try {
    tables = new Set(
      (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
  } catch (e) {
    return { kind: 'foreign', reason: `not an SQLite database (${(e as Error).message})` };
  }
  const missingParsl = Object.keys(PARSL_TABLES).filter((t) => !tables.has(t));
  if (missingParsl.length > 0) {
    return {
      kind: 'foreign',
      reason:
        tables.size === 0
          ? 'an empty database (no workflow has been recorded in it)'
          : `not a Parsl monitoring database: no table ${missingParsl.join(', ')} (found ${[...tables].join(', ')})`,
    };
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  const ours = ['parsl_ts_task_state', 'parsl_ts_app_state', 'parsl_ts_timeline', 'parsl_ts_app_edge'];
  const missing = ours.filter((t) => !tables.has(t));
  if (version === SCHEMA_VERSION && missing.length === 0) return { kind: 'parsl-ts' };
  return { kind: 'parsl', missing };
}

export interface WorkflowRow {
  readonly run_id: string;
  readonly workflow_name: string | null;
  readonly workflow_version: string | null;
  readonly time_began: string;
  readonly time_completed: string | null;
  readonly host: string;
  readonly user: string;
  readonly rundir: string;
  readonly tasks_failed_count: number;
  readonly tasks_completed_count: number;
}

/** Every workflow, newest first. */
export function workflows(db: ReadDb): WorkflowRow[] {
  return db.prepare('SELECT * FROM workflow ORDER BY time_began DESC').all() as WorkflowRow[];
}

export function workflow(db: ReadDb, runId: string): WorkflowRow | null {
  return (
    (db.prepare('SELECT * FROM workflow WHERE run_id = ?').get(runId) as WorkflowRow | undefined) ?? null
  );
}

export interface AppStateCount {
  readonly app: string;
  readonly state: string;
  readonly count: number;
}

/** Tasks per app and latest kernel state (pending, launched, exec_done, failed, dep_fail, memo_done, …). */
export function appStateCounts(db: ReadDb, runId: string): AppStateCount[] {
  return db
    .prepare(
      `SELECT task_func_name AS app, task_status_name AS state, n AS count FROM parsl_ts_app_state
       WHERE run_id = ? AND n <> 0 ORDER BY app, state`,
    )
    .all(runId) as AppStateCount[];
}

/** Tasks per latest state, summed over apps. */
export function stateCounts(db: ReadDb, runId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of appStateCounts(db, runId)) out[r.state] = (out[r.state] ?? 0) + r.count;
  return out;
}

export interface TimelinePoint {
  /** Start of the bucket, epoch seconds. */
  readonly second: number;
  readonly app: string;
  readonly state: string;
  /** State changes into `state` during the bucket. */
  readonly count: number;
}

/**
 * State changes per time bucket, app and state, from the timeline summary: the Gantt overview and the
 * tries-per-app plot at any task count. `bucketSeconds` ≥ 1 coarsens the per-second rows.
 */
export function timeline(db: ReadDb, runId: string, bucketSeconds = 1): TimelinePoint[] {
  const b = Math.max(1, Math.floor(bucketSeconds));
  return db
    .prepare(
      `SELECT (second / ?) * ? AS second, task_func_name AS app, task_status_name AS state, sum(n) AS count
       FROM parsl_ts_timeline WHERE run_id = ? GROUP BY 1, 2, 3 ORDER BY 1`,
    )
    .all(b, b, runId) as TimelinePoint[];
}

export interface TaskListRow {
  readonly task_id: number;
  readonly task_func_name: string;
  readonly state: string;
  readonly task_depends: string | null;
  readonly task_time_invoked: string | null;
  readonly task_time_returned: string | null;
  readonly task_fail_count: number;
}

export interface TaskPageQuery {
  readonly app?: string;
  readonly state?: string;
  /** Keyset pagination: tasks after (ascending) or before (descending) this id. */
  readonly after?: number;
  /** @default 'asc' (by task id) */
  readonly order?: 'asc' | 'desc';
  /** @default 50, at most 1000 */
  readonly limit?: number;
}

export interface TaskPage {
  readonly rows: TaskListRow[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: number | null;
}

/** One page of a run's tasks, filtered by app and/or latest state, by task id (an index range each time). */
export function tasks(db: ReadDb, runId: string, q: TaskPageQuery = {}): TaskPage {
  const limit = Math.min(1000, Math.max(1, q.limit ?? 50));
  const desc = q.order === 'desc';
  const where = ['s.run_id = ?'];
  const args: (string | number)[] = [runId];
  if (q.app !== undefined) {
    where.push('s.task_func_name = ?');
    args.push(q.app);
  }
  if (q.state !== undefined) {
    where.push('s.task_status_name = ?');
    args.push(q.state);
  }
  if (q.after !== undefined) {
    where.push(desc ? 's.task_id < ?' : 's.task_id > ?');
    args.push(q.after);
  }
  // Filtering on both app and state walks the state index and checks the app: say which index to use.
  const index =
    q.state !== undefined
      ? 'ix_parsl_ts_task_state_state'
      : q.app !== undefined
        ? 'ix_parsl_ts_task_state_app'
        : null;
  const rows = db
    .prepare(
      `SELECT s.task_id, s.task_func_name, s.task_status_name AS state, t.task_depends, t.task_time_invoked,
         t.task_time_returned, t.task_fail_count
       FROM parsl_ts_task_state s ${index === null ? '' : `INDEXED BY ${index}`}
       JOIN task t ON t.task_id = s.task_id AND t.run_id = s.run_id
       WHERE ${where.join(' AND ')} ORDER BY s.task_id ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
    )
    .all(...args, limit + 1) as TaskListRow[];
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? rows[rows.length - 1]!.task_id : null };
}

export interface TaskRow {
  readonly task_id: number;
  readonly run_id: string;
  readonly task_depends: string | null;
  readonly task_func_name: string;
  readonly task_memoize: string;
  readonly task_hashsum: string | null;
  readonly task_inputs: string | null;
  readonly task_outputs: string | null;
  readonly task_stdin: string | null;
  readonly task_stdout: string | null;
  readonly task_stderr: string | null;
  readonly task_time_invoked: string | null;
  readonly task_time_returned: string | null;
  readonly task_fail_count: number;
  readonly task_fail_cost: number;
}

export interface TryRow {
  readonly try_id: number;
  readonly block_id: string | null;
  readonly hostname: string | null;
  readonly task_executor: string;
  readonly task_try_time_launched: string | null;
  readonly task_try_time_running: string | null;
  readonly task_try_time_returned: string | null;
  readonly task_fail_history: string | null;
}

export interface StatusRow {
  readonly task_status_name: string;
  readonly timestamp: string;
  readonly try_id: number;
}

export interface ResourceRow {
  readonly try_id: number;
  readonly timestamp: string;
  readonly psutil_process_time_user: number;
  readonly psutil_process_time_system: number;
  readonly psutil_process_memory_resident: number;
  readonly psutil_process_memory_virtual: number;
  readonly psutil_process_disk_read: number;
  readonly psutil_process_disk_write: number;
}

export interface TaskDetail {
  readonly task: TaskRow;
  readonly state: string | null;
  readonly tries: TryRow[];
  readonly statuses: StatusRow[];
  readonly resources: ResourceRow[];
}

/** One task with its tries, status history and resource samples; null when the run has no such task. */
export function task(db: ReadDb, runId: string, taskId: number): TaskDetail | null {
  const t = db.prepare('SELECT * FROM task WHERE task_id = ? AND run_id = ?').get(taskId, runId) as
    | TaskRow
    | undefined;
  if (t === undefined) return null;
  const state = db
    .prepare('SELECT task_status_name AS s FROM parsl_ts_task_state WHERE run_id = ? AND task_id = ?')
    .get(runId, taskId) as { s: string } | undefined;
  const tries = db
    .prepare(
      `SELECT try_id, block_id, hostname, task_executor, task_try_time_launched, task_try_time_running,
         task_try_time_returned, task_fail_history FROM try WHERE task_id = ? AND run_id = ? ORDER BY try_id`,
    )
    .all(taskId, runId) as TryRow[];
  const statuses = db
    .prepare(
      `SELECT task_status_name, timestamp, try_id FROM status WHERE task_id = ? AND run_id = ? ORDER BY timestamp`,
    )
    .all(taskId, runId) as StatusRow[];
  const resources = db
    .prepare(
      `SELECT try_id, timestamp, psutil_process_time_user, psutil_process_time_system,
         psutil_process_memory_resident, psutil_process_memory_virtual, psutil_process_disk_read,
         psutil_process_disk_write FROM resource WHERE run_id = ? AND task_id = ? ORDER BY timestamp LIMIT 10000`,
    )
    .all(runId, taskId) as ResourceRow[];
  return { task: t, state: state?.s ?? null, tries, statuses, resources };
}

export interface AppEdge {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** The DAG aggregated by app: one node per app (with its state counts) and counted edges between apps. */
export function dagByApp(db: ReadDb, runId: string): { nodes: AppStateCount[]; edges: AppEdge[] } {
  const edges = db
    .prepare(
      'SELECT from_app AS "from", to_app AS "to", n AS count FROM parsl_ts_app_edge WHERE run_id = ? ORDER BY n DESC',
    )
    .all(runId) as AppEdge[];
  return { nodes: appStateCounts(db, runId), edges };
}

export interface NodeRow {
  readonly hostname: string;
  readonly uid: string;
  readonly block_id: string;
  readonly cpu_count: number;
  readonly total_memory: number;
  readonly active: number;
  readonly worker_count: number;
  readonly timestamp: string;
}

/** The latest row of every worker pool (node) of a run. */
export function nodes(db: ReadDb, runId: string): NodeRow[] {
  return db
    .prepare(
      `SELECT hostname, uid, block_id, cpu_count, total_memory, active, worker_count, max(timestamp) AS timestamp
       FROM node WHERE run_id = ? GROUP BY uid ORDER BY hostname, uid`,
    )
    .all(runId) as NodeRow[];
}

export interface BlockRow {
  readonly executor_label: string;
  readonly block_id: string;
  readonly job_id: string | null;
  readonly status: string | null;
  readonly timestamp: string;
}

/** Block status history of a run (a few rows per block per poll). */
export function blocks(db: ReadDb, runId: string, limit = 10_000): BlockRow[] {
  return db
    .prepare(
      `SELECT executor_label, block_id, job_id, status, timestamp FROM block WHERE run_id = ?
       ORDER BY timestamp LIMIT ?`,
    )
    .all(runId, limit) as BlockRow[];
}

export interface WorkerUsagePoint {
  readonly second: number;
  /** Tries started (launched) and returned in the bucket. */
  readonly launched: number;
  readonly returned: number;
}

/**
 * Tries launched and finished per bucket: the running balance is the number of busy workers, to draw against
 * the nodes' worker counts (`nodes()`).
 */
export function workerUsage(db: ReadDb, runId: string, bucketSeconds = 1): WorkerUsagePoint[] {
  const b = Math.max(1, Math.floor(bucketSeconds));
  return db
    .prepare(
      `SELECT (second / ?) * ? AS second,
         sum(CASE WHEN task_status_name = 'launched' THEN n ELSE 0 END) AS launched,
         sum(CASE WHEN task_status_name IN ('exec_done', 'failed', 'fail_retryable', 'memo_done') THEN n ELSE 0 END) AS returned
       FROM parsl_ts_timeline WHERE run_id = ? GROUP BY 1 ORDER BY 1`,
    )
    .all(b, b, runId) as WorkerUsagePoint[];
}
