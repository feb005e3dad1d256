/**
 * The monitoring database: Parsl's seven tables with Parsl's column names and types (so Parsl's query code and
 * users' existing SQL keep working), stored WITHOUT ROWID where they have a composite primary key (each row is
 * then stored once, in key order, instead of once in the table and again in the key's index), plus the indexes
 * Parsl lacks and small summary tables, kept up to date by the writer, that answer the dashboard's questions
 * without scanning a million rows.
 */

/** Parsl's tables, in creation order, with the columns a foreign database must have to be written to. */
export const PARSL_TABLES = {
  workflow: [
    'run_id',
    'workflow_name',
    'workflow_version',
    'time_began',
    'time_completed',
    'host',
    'user',
    'rundir',
    'tasks_failed_count',
    'tasks_completed_count',
  ],
  status: ['task_id', 'task_status_name', 'timestamp', 'run_id', 'try_id'],
  task: [
    'task_id',
    'run_id',
    'task_depends',
    'task_func_name',
    'task_memoize',
    'task_hashsum',
    'task_inputs',
    'task_outputs',
    'task_stdin',
    'task_stdout',
    'task_stderr',
    'task_time_invoked',
    'task_time_returned',
    'task_fail_count',
    'task_fail_cost',
  ],
  try: [
    'try_id',
    'task_id',
    'run_id',
    'block_id',
    'hostname',
    'task_executor',
    'task_try_time_launched',
    'task_try_time_running',
    'task_try_time_returned',
    'task_fail_history',
    'task_joins',
  ],
  node: [
    'id',
    'run_id',
    'hostname',
    'uid',
    'block_id',
    'cpu_count',
    'total_memory',
    'active',
    'worker_count',
    'python_v',
    'timestamp',
    'last_heartbeat',
  ],
  block: ['run_id', 'executor_label', 'block_id', 'job_id', 'timestamp', 'status'],
  resource: [
    'try_id',
    'task_id',
    'run_id',
    'timestamp',
    'resource_monitoring_interval',
    'psutil_process_pid',
    'psutil_process_memory_percent',
    'psutil_process_children_count',
    'psutil_process_time_user',
    'psutil_process_time_system',
    'psutil_process_memory_virtual',
    'psutil_process_memory_resident',
    'psutil_process_disk_read',
    'psutil_process_disk_write',
    'psutil_process_status',
    'psutil_cpu_num',
    'psutil_process_num_ctx_switches_voluntary',
    'psutil_process_num_ctx_switches_involuntary',
  ],
} as const;

export type ParslTable = keyof typeof PARSL_TABLES;

/** Stored in `PRAGMA user_version` by parsl-ts; a database with another non-zero value is not ours. */
export const SCHEMA_VERSION = 14_001;

/**
 * Indexes the dashboard's bounded queries need (the tries of a window of tasks; the latest resource samples of a
 * run). Created with the schema, and by `parsl-ts visualize` on a database written before they existed.
 */
export const DASHBOARD_INDEXES = `
CREATE INDEX IF NOT EXISTS ix_try_run_task ON try (run_id, task_id);
CREATE INDEX IF NOT EXISTS ix_resource_run_time ON resource (run_id, timestamp);
`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS workflow (
  run_id TEXT NOT NULL PRIMARY KEY,
  workflow_name TEXT,
  workflow_version TEXT,
  time_began DATETIME NOT NULL,
  time_completed DATETIME,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  rundir TEXT NOT NULL,
  tasks_failed_count INTEGER NOT NULL,
  tasks_completed_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS status (
  task_id INTEGER NOT NULL,
  task_status_name TEXT NOT NULL,
  timestamp DATETIME NOT NULL,
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  try_id INTEGER NOT NULL,
  PRIMARY KEY (task_id, run_id, task_status_name, timestamp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task (
  task_id INTEGER NOT NULL,
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  task_depends TEXT,
  task_func_name TEXT NOT NULL,
  task_memoize TEXT NOT NULL,
  task_hashsum TEXT,
  task_inputs TEXT,
  task_outputs TEXT,
  task_stdin TEXT,
  task_stdout TEXT,
  task_stderr TEXT,
  task_time_invoked DATETIME,
  task_time_returned DATETIME,
  task_fail_count INTEGER NOT NULL,
  task_fail_cost FLOAT NOT NULL,
  PRIMARY KEY (task_id, run_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS try (
  try_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  block_id TEXT,
  hostname TEXT,
  task_executor TEXT NOT NULL,
  task_try_time_launched DATETIME,
  task_try_time_running DATETIME,
  task_try_time_returned DATETIME,
  task_fail_history TEXT,
  task_joins TEXT,
  PRIMARY KEY (try_id, task_id, run_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node (
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  hostname TEXT NOT NULL,
  uid TEXT NOT NULL,
  block_id TEXT NOT NULL,
  cpu_count INTEGER NOT NULL,
  total_memory BIGINT NOT NULL,
  active BOOLEAN NOT NULL,
  worker_count INTEGER NOT NULL,
  python_v TEXT NOT NULL,
  timestamp DATETIME NOT NULL,
  last_heartbeat DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS block (
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  executor_label TEXT NOT NULL,
  block_id TEXT NOT NULL,
  job_id TEXT,
  timestamp DATETIME NOT NULL,
  status TEXT,
  PRIMARY KEY (run_id, block_id, executor_label, timestamp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource (
  try_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  run_id TEXT NOT NULL REFERENCES workflow (run_id),
  timestamp DATETIME NOT NULL,
  resource_monitoring_interval FLOAT,
  psutil_process_pid INTEGER,
  psutil_process_memory_percent FLOAT,
  psutil_process_children_count FLOAT,
  psutil_process_time_user FLOAT,
  psutil_process_time_system FLOAT,
  psutil_process_memory_virtual FLOAT,
  psutil_process_memory_resident FLOAT,
  psutil_process_disk_read FLOAT,
  psutil_process_disk_write FLOAT,
  psutil_process_status TEXT,
  psutil_cpu_num TEXT,
  psutil_process_num_ctx_switches_voluntary FLOAT,
  psutil_process_num_ctx_switches_involuntary FLOAT,
  PRIMARY KEY (try_id, task_id, run_id, timestamp)
) WITHOUT ROWID;

-- Parsl's one index (the memo hash), partial: most tasks have none, and "= ?" lookups still use it.
CREATE INDEX IF NOT EXISTS ix_task_task_hashsum ON task (task_hashsum) WHERE task_hashsum IS NOT NULL;
-- Tasks by run and app: Parsl's app counts (queries/pandas.py) read this index instead of the table.
CREATE INDEX IF NOT EXISTS ix_task_run_func ON task (run_id, task_func_name);
-- Resource rows of one task (the primary key starts with try_id).
CREATE INDEX IF NOT EXISTS ix_resource_run_task ON resource (run_id, task_id);
CREATE INDEX IF NOT EXISTS ix_node_run ON node (run_id, timestamp);
${DASHBOARD_INDEXES}

-- The latest kernel state of every task: the task list's filters and sort (by run, state, app, id).
CREATE TABLE IF NOT EXISTS parsl_ts_task_state (
  run_id TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  task_func_name TEXT NOT NULL,
  task_status_name TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_parsl_ts_task_state_state ON parsl_ts_task_state (run_id, task_status_name, task_id);
CREATE INDEX IF NOT EXISTS ix_parsl_ts_task_state_app ON parsl_ts_task_state (run_id, task_func_name, task_id);

-- Tasks per (app, latest state) of each run: the summary page's counts.
CREATE TABLE IF NOT EXISTS parsl_ts_app_state (
  run_id TEXT NOT NULL,
  task_func_name TEXT NOT NULL,
  task_status_name TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (run_id, task_func_name, task_status_name)
) WITHOUT ROWID;

-- State changes per second, app and state: the timeline and the tries-per-app plot, at any task count.
CREATE TABLE IF NOT EXISTS parsl_ts_timeline (
  run_id TEXT NOT NULL,
  second INTEGER NOT NULL,
  task_func_name TEXT NOT NULL,
  task_status_name TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (run_id, second, task_func_name, task_status_name)
) WITHOUT ROWID;

-- Dependency edges between apps, counted: the DAG page aggregated by app.
CREATE TABLE IF NOT EXISTS parsl_ts_app_edge (
  run_id TEXT NOT NULL,
  from_app TEXT NOT NULL,
  to_app TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (run_id, from_app, to_app)
) WITHOUT ROWID;
`;

/**
 * SQLAlchemy's DATETIME text on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff', UTC here), which Parsl's readers and
 * pandas parse. The date-and-second prefix is cached: consecutive rows mostly share it.
 */
export class DatetimeText {
  #second = -1;
  #prefix = '';

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#prefix = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ');
    }
    const micros = Math.floor((ms - second * 1000) * 1000);
    return `${this.#prefix}.${String(micros).padStart(6, '0')}`;
  }
}

/** Epoch milliseconds of a DATETIME text written by {@link DatetimeText} (UTC). */
export function parseDatetime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`);
}
