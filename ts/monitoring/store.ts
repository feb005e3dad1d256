import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { stateName, type TaskState } from '../dataflow/states.js';
import { MonitoringDatabaseError } from './errors.js';
import { type RowBatch, STRIDE } from './rows.js';
import { DatetimeText, PARSL_TABLES, SCHEMA, SCHEMA_VERSION } from './schema.js';

type Db = Database.Database;
type Stmt = Database.Statement;

/** How long one statement waits for another connection's lock before the batch is retried (Parsl: 1 s). */
const BUSY_TIMEOUT_MS = 1_000;
/** Statistics are refreshed once the rows written since the last ANALYZE reach this, or double the table. */
const ANALYZE_AFTER_ROWS = 50_000;
/** Status rows per multi-row insert. */
const STATUS_CHUNK = 64;
/** TaskState numbers are below this (summary keys are built from them). */
const STATES = 16;

/**
 * Open (creating when needed) a monitoring database for writing. A database that has Parsl's tables with
 * missing columns, or another application's `user_version`, is refused with a message saying what was found.
 */
export function openForWriting(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL: readers see a snapshot and never block the writer, nor the writer them.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Declared as in Parsl, not enforced (SQLite's default, which better-sqlite3 changes): a row never waits for
    // or fails on another table's row (Parsl #1889 lost data to cascading FK failures), and inserts stay cheap.
    db.pragma('foreign_keys = OFF');
    // Index pages of a growing run stay cached between batches instead of being read back from the file.
    db.pragma('cache_size = -65536');
    checkForeign(db, path);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function checkForeign(db: Db, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== 0 && version !== SCHEMA_VERSION) {
    throw new MonitoringDatabaseError(
      `${path} is not a parsl-ts monitoring database (its user_version is ${version}); choose another loggingEndpoint`,
    );
  }
  for (const [table, columns] of Object.entries(PARSL_TABLES)) {
    const have = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    if (have.size === 0) continue;
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new MonitoringDatabaseError(
        `${path} has a table '${table}' without Parsl's column(s) ${missing.join(', ')}: it is an old or foreign database; choose another loggingEndpoint`,
      );
    }
  }
}

/**
 * Writes row batches into an open database, one transaction per batch, and keeps the summary tables in step.
 * Synchronous: it runs on the writer thread (or in a benchmark).
 */
export class MonitoringStore {
  readonly #db: Db;
  readonly #time = new DatetimeText();
  readonly #s: Record<string, Stmt>;
  readonly #write: (b: RowBatch) => number;
  readonly #statusChunk: Stmt;
  /** The parameters of one multi-row status insert, reused. */
  readonly #chunk: (string | number)[] = new Array(5 * STATUS_CHUNK);
  #rows = 0;
  #rowsAtAnalyze = 0;

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      workflowStart: db.prepare(
        `INSERT INTO workflow (run_id, workflow_name, workflow_version, time_began, host, user, rundir,
           tasks_failed_count, tasks_completed_count) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)
         ON CONFLICT (run_id) DO NOTHING`,
      ),
      workflowEnd: db.prepare(
        `UPDATE workflow SET time_completed = ?, tasks_failed_count = ?, tasks_completed_count = ? WHERE run_id = ?`,
      ),
      task: db.prepare(
        `INSERT OR IGNORE INTO task (task_id, run_id, task_func_name, task_memoize, task_depends, task_time_invoked,
           task_stdout, task_stderr, task_outputs, task_fail_count, task_fail_cost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
      ),
      taskEnd: db.prepare(
        `UPDATE task SET task_time_returned = ?, task_fail_count = ?, task_fail_cost = ?,
           task_hashsum = coalesce(?, task_hashsum) WHERE task_id = ? AND run_id = ?`,
      ),
      taskFull: db.prepare(
        `INSERT OR IGNORE INTO task (task_id, run_id, task_func_name, task_memoize, task_depends, task_time_invoked,
           task_stdout, task_stderr, task_outputs, task_fail_count, task_fail_cost, task_time_returned, task_hashsum)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      tryFull: db.prepare(
        `INSERT OR IGNORE INTO try (try_id, task_id, run_id, task_executor, task_try_time_launched,
           task_try_time_running, hostname, block_id, task_try_time_returned, task_fail_history)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      try: db.prepare(
        `INSERT OR IGNORE INTO try (try_id, task_id, run_id, task_executor, task_try_time_launched) VALUES (?, ?, ?, ?, ?)`,
      ),
      tryEnd: db.prepare(
        `UPDATE try SET task_try_time_running = coalesce(?, task_try_time_running), hostname = coalesce(?, hostname),
           block_id = coalesce(?, block_id), task_try_time_returned = ?, task_fail_history = ?
         WHERE try_id = ? AND task_id = ? AND run_id = ?`,
      ),
      status: db.prepare(
        `INSERT OR IGNORE INTO status (task_id, task_status_name, timestamp, run_id, try_id) VALUES (?, ?, ?, ?, ?)`,
      ),
      taskState: db.prepare(
        `INSERT INTO parsl_ts_task_state (run_id, task_id, task_func_name, task_status_name) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, task_id) DO UPDATE SET task_status_name = excluded.task_status_name`,
      ),
      appState: db.prepare(
        `INSERT INTO parsl_ts_app_state (run_id, task_func_name, task_status_name, n) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = n + excluded.n`,
      ),
      timeline: db.prepare(
        `INSERT INTO parsl_ts_timeline (run_id, second, task_func_name, task_status_name, n) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = n + excluded.n`,
      ),
      edge: db.prepare(
        `INSERT INTO parsl_ts_app_edge (run_id, from_app, to_app, n) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = n + excluded.n`,
      ),
      resource: db.prepare(
        `INSERT OR IGNORE INTO resource (try_id, task_id, run_id, timestamp, resource_monitoring_interval,
           psutil_process_pid, psutil_process_children_count, psutil_process_time_user, psutil_process_time_system,
           psutil_process_memory_resident, psutil_process_memory_virtual, psutil_process_memory_percent,
           psutil_process_disk_read, psutil_process_disk_write, psutil_process_num_ctx_switches_voluntary,
           psutil_process_num_ctx_switches_involuntary, psutil_process_status, psutil_cpu_num)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      node: db.prepare(
        `INSERT INTO node (run_id, hostname, uid, block_id, cpu_count, total_memory, active, worker_count, python_v,
           timestamp, last_heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      block: db.prepare(
        `INSERT OR IGNORE INTO block (run_id, executor_label, block_id, job_id, timestamp, status) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.#statusChunk = db.prepare(
      `INSERT OR IGNORE INTO status (task_id, task_status_name, timestamp, run_id, try_id) VALUES ${Array(STATUS_CHUNK).fill('(?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.#write = db.transaction((b: RowBatch) => this.#apply(b));
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Write one batch in one transaction. Another connection holding the write lock makes the transaction fail
   * with SQLITE_BUSY after the busy timeout; the batch is then retried until it goes in, so no row is lost.
   */
  write(b: RowBatch, onBusy?: () => void): void {
    for (;;) {
      try {
        this.#rows += this.#write(b);
        break;
      } catch (e) {
        if (!isBusy(e)) throw e;
        onBusy?.();
      }
    }
    if (this.#rows - this.#rowsAtAnalyze >= Math.max(ANALYZE_AFTER_ROWS, this.#rowsAtAnalyze)) this.analyze();
  }

  /** Refresh the planner's statistics (bounded work per index, so it stays fast on a large database). */
  analyze(): void {
    this.#rowsAtAnalyze = this.#rows;
    this.#db.pragma('analysis_limit = 2000');
    this.#db.exec('ANALYZE');
  }

  /** Analyze, fold the WAL back into the database, close. */
  close(): void {
    this.analyze();
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  #apply(b: RowBatch): number {
    const s = this.#s;
    const t = (ms: number | string | null) => (ms === null ? null : this.#time.format(ms as number));
    const run = b.runId;
    let rows = 0;
    if (b.workflowStart !== null) {
      const w = b.workflowStart;
      s.workflowStart!.run(run, w.name, w.version, t(w.timeBegan), w.host, w.user, w.rundir);
      rows++;
    }
    // A task that starts and ends within one batch is written with one insert instead of an insert and an
    // update (the common case for short tasks): index the ends first.
    const ke = b.taskEnd;
    const taskEnds = new Map<number, number>();
    for (let i = 0; i < ke.length; i += STRIDE.taskEnd) taskEnds.set(ke[i] as number, i);
    const te = b.tryEnd;
    const tryEnds = new Map<number, number>();
    for (let i = 0; i < te.length; i += STRIDE.tryEnd) tryEnds.set(tryKey(te[i], te[i + 1]), i);
    const task = b.task;
    for (let i = 0; i < task.length; i += STRIDE.task) {
      const e = taskEnds.get(task[i] as number);
      const common = [
        task[i],
        run,
        task[i + 1],
        String(task[i + 2]),
        task[i + 3],
        t(task[i + 4]!),
        task[i + 5],
        task[i + 6],
        task[i + 7],
      ];
      if (e === undefined) s.task!.run(common);
      else {
        s.taskFull!.run(...common, ke[e + 2], ke[e + 3], t(ke[e + 1]!), ke[e + 4]);
        taskEnds.delete(task[i] as number);
      }
      rows++;
    }
    const tr = b.try;
    for (let i = 0; i < tr.length; i += STRIDE.try) {
      const key = tryKey(tr[i], tr[i + 1]);
      const e = tryEnds.get(key);
      if (e === undefined) s.try!.run(tr[i + 1], tr[i], run, tr[i + 2], t(tr[i + 3]!));
      else {
        s.tryFull!.run(
          tr[i + 1],
          tr[i],
          run,
          tr[i + 2],
          t(tr[i + 3]!),
          t(te[e + 2]!),
          te[e + 3],
          te[e + 4],
          t(te[e + 5]!),
          te[e + 6],
        );
        tryEnds.delete(key);
      }
      rows++;
    }
    for (const i of tryEnds.values())
      s.tryEnd!.run(t(te[i + 2]!), te[i + 3], te[i + 4], t(te[i + 5]!), te[i + 6], te[i + 1], te[i], run);
    for (const i of taskEnds.values())
      s.taskEnd!.run(t(ke[i + 1]!), ke[i + 2], ke[i + 3], ke[i + 4], ke[i], run);
    rows += this.#status(b);
    const ed = b.edges;
    if (ed.length > 0) {
      const counts = new Map<string, number>();
      for (let i = 0; i < ed.length; i += STRIDE.edges) {
        const k = `${ed[i]}\u0000${ed[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [from, to] = k.split('\u0000');
        s.edge!.run(run, from, to, n);
      }
    }
    const r = b.resource;
    for (let i = 0; i < r.length; i += STRIDE.resource) {
      s.resource!.run(
        r[i + 1],
        r[i],
        run,
        t(r[i + 3]!),
        r[i + 2],
        r[i + 4],
        r[i + 5],
        r[i + 6],
        r[i + 7],
        r[i + 8],
        r[i + 9],
        r[i + 10],
        r[i + 11],
        r[i + 12],
        r[i + 13],
        r[i + 14],
        r[i + 15],
        String(r[i + 16]),
      );
      rows++;
    }
    for (const n of b.node) {
      s.node!.run(
        run,
        n.hostname,
        n.uid,
        n.blockId ?? '',
        n.cpuCount,
        n.totalMemory,
        n.active ? 1 : 0,
        n.workerCount,
        n.version,
        t(n.time),
        t(n.lastHeartbeat),
      );
      rows++;
    }
    for (const k of b.block) {
      s.block!.run(run, k.executorLabel, k.blockId, k.jobId, t(k.time), k.status);
      rows++;
    }
    if (b.workflowEnd !== null) {
      const w = b.workflowEnd;
      s.workflowEnd!.run(t(w.timeCompleted), w.failed, w.completed, run);
    }
    return rows;
  }

  /** Status rows, and the summaries they move: latest state per task, counts per app and state, timeline. */
  #status(b: RowBatch): number {
    const s = this.#s;
    const st = b.status;
    const run = b.runId;
    // Summary counts keyed by numbers and by the app name (one string object per app, from the writer's name
    // table): no key string is built per row, which was most of the writer's garbage.
    /** app → change in tasks per state (indexed by TaskState). */
    const apps = new Map<string, number[]>();
    /** second × STATES + state → app → state changes. */
    const seconds = new Map<number, Map<string, number>>();
    /** Status rows go in STATUS_CHUNK at a time: one statement step per chunk instead of per row. */
    const chunk = this.#chunk;
    let at = 0;
    /** The last kernel state of each task in this batch: one upsert per task, not one per state. */
    const latest = new Map<number, number>();
    let rows = 0;
    for (let i = 0; i < st.length; i += STRIDE.status) {
      const taskId = st[i] as number;
      const code = st[i + 2] as TaskState;
      const time = st[i + 3] as number;
      const app = st[i + 4] as string;
      const previous = st[i + 5] as number | null;
      chunk[at] = taskId;
      chunk[at + 1] = stateName(code);
      chunk[at + 2] = this.#time.format(time);
      chunk[at + 3] = run;
      chunk[at + 4] = st[i + 1]!;
      at += 5;
      if (at === chunk.length) {
        this.#statusChunk.run(chunk);
        at = 0;
      }
      rows++;
      const sk = Math.floor(time / 1000) * STATES + code;
      let perApp = seconds.get(sk);
      if (perApp === undefined) seconds.set(sk, (perApp = new Map()));
      perApp.set(app, (perApp.get(app) ?? 0) + 1);
      if (previous === null) continue; // a worker's running/running_ended: not a kernel state
      latest.set(taskId, i);
      let counts = apps.get(app);
      if (counts === undefined) apps.set(app, (counts = new Array<number>(STATES).fill(0)));
      counts[code]!++;
      if (previous !== -1) counts[previous]!--;
    }
    for (let i = 0; i < at; i += 5) s.status!.run(chunk.slice(i, i + 5));
    for (const i of latest.values())
      s.taskState!.run(run, st[i], st[i + 4], stateName(st[i + 2] as TaskState));
    for (const [app, counts] of apps) {
      for (let code = 0; code < STATES; code++) {
        if (counts[code] !== 0) s.appState!.run(run, app, stateName(code), counts[code]);
      }
    }
    for (const [sk, perApp] of seconds) {
      const second = Math.floor(sk / STATES);
      const state = stateName(sk - second * STATES);
      for (const [app, n] of perApp) s.timeline!.run(run, second, app, state, n);
    }
    return rows;
  }
}

/** One number per (task, try) within a batch. */
function tryKey(taskId: unknown, tryId: unknown): number {
  return (taskId as number) * 4096 + (tryId as number);
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
