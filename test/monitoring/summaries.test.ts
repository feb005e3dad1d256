// The writer's summary tables (latest state per task, tasks per app and state, state changes per second) must
// always equal what the status rows say, however the rows are split into transactions.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TaskState } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { emptyBatch, MonitoringStore, openForWriting, type RowBatch } from '#internal';
import { writeSyntheticRun } from '../helpers/monitoring-db.js';
import { tempDir } from '../helpers/paths.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function scratch(): string {
  const dir = tempDir('monitoring-summaries');
  cleanups.push(() => dir.remove());
  return join(dir.path, 'monitoring.db');
}

function open(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  cleanups.push(() => void db.close());
  return db;
}

const KERNEL_STATES = `task_status_name NOT IN ('running', 'running_ended')`;

/** The summaries as the writer kept them, and as a recount of the status rows gives them. */
function summariesAndRecount(db: Database.Database) {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    kept: {
      timeline: all(`SELECT second, task_func_name AS app, task_status_name AS state, n FROM parsl_ts_timeline
                     ORDER BY 1, 2, 3`),
      apps: all(`SELECT task_func_name AS app, task_status_name AS state, n FROM parsl_ts_app_state
                 WHERE n <> 0 ORDER BY 1, 2`),
      latest: all(`SELECT task_id, task_status_name AS state FROM parsl_ts_task_state ORDER BY 1`),
    },
    recount: {
      timeline: all(`SELECT CAST(strftime('%s', s.timestamp) AS INTEGER) AS second, t.task_func_name AS app,
                       s.task_status_name AS state, count(*) AS n
                     FROM status s JOIN task t USING (run_id, task_id) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
      apps: all(`WITH last AS (
                   SELECT task_id, task_status_name,
                     row_number() OVER (PARTITION BY task_id ORDER BY timestamp DESC) AS k
                   FROM status WHERE ${KERNEL_STATES})
                 SELECT t.task_func_name AS app, last.task_status_name AS state, count(*) AS n
                 FROM last JOIN task t USING (task_id) WHERE k = 1 GROUP BY 1, 2 ORDER BY 1, 2`),
      latest: all(`SELECT task_id, task_status_name AS state FROM status s WHERE ${KERNEL_STATES}
                   AND timestamp = (SELECT max(timestamp) FROM status WHERE task_id = s.task_id AND ${KERNEL_STATES})
                   ORDER BY 1`),
    },
  };
}

describe('monitoring summaries', () => {
  test('a synthetic run of five apps over several seconds, many small transactions', () => {
    const path = scratch();
    const result = writeSyntheticRun({
      path,
      runId: 'run',
      tasks: 3_000,
      perBatch: 37,
      spacingMs: 2,
      unfinished: 5,
    });
    expect(result.states).toMatchObject({ exec_done: expect.any(Number), failed: expect.any(Number) });
    const { kept, recount } = summariesAndRecount(open(path));
    expect(new Set(kept.timeline.map((r) => (r as { second: number }).second)).size).toBeGreaterThan(5);
    expect(kept).toEqual(recount);
  });

  test('tasks whose states span transactions move their counts from state to state', () => {
    const path = scratch();
    const store = new MonitoringStore(openForWriting(path));
    const S = TaskState;
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 900);
    const batch = (fill: (b: RowBatch) => void) => {
      const b = emptyBatch('run');
      fill(b);
      store.write(b);
    };
    batch((b) => {
      b.workflowStart = { name: 'w', version: '1', timeBegan: t0, host: 'h', user: 'u', rundir: 'r' };
      for (const [id, app] of [
        [0, 'sim'],
        [1, 'sim'],
        [2, 'plot'],
      ] as const) {
        b.task.push(id, app, 0, null, t0, null, null, null);
        b.try.push(id, 0, 'htex', t0 + 50);
        b.status.push(id, 0, S.pending, t0 + id, app, -1);
        b.status.push(id, 0, S.launched, t0 + 50 + id, app, S.pending);
      }
    });
    // The next second: task 0 ends, task 1 fails once and is launched again, task 2 is still launched.
    batch((b) => {
      b.status.push(0, 0, S.running, t0 + 200, 'sim', null);
      b.status.push(0, 0, S.running_ended, t0 + 300, 'sim', null);
      b.status.push(0, 0, S.exec_done, t0 + 301, 'sim', S.launched);
      b.status.push(1, 0, S.fail_retryable, t0 + 302, 'sim', S.launched);
      b.status.push(1, 1, S.launched, t0 + 303, 'sim', S.fail_retryable);
    });
    batch((b) => {
      b.status.push(1, 1, S.failed, t0 + 1_500, 'sim', S.launched);
      b.status.push(2, 0, S.dep_fail, t0 + 1_501, 'plot', S.launched);
    });
    store.close();
    const db = open(path);
    const { kept, recount } = summariesAndRecount(db);
    expect(kept).toEqual(recount);
    expect(kept.apps).toEqual([
      { app: 'plot', state: 'dep_fail', n: 1 },
      { app: 'sim', state: 'exec_done', n: 1 },
      { app: 'sim', state: 'failed', n: 1 },
    ]);
    // No count is left behind in a state the tasks have left.
    expect(db.prepare('SELECT count(*) AS n FROM parsl_ts_app_state WHERE n <> 0').get()).toEqual({ n: 3 });
    const second = Math.floor(t0 / 1000);
    expect(kept.timeline).toContainEqual({ second: second + 1, app: 'sim', state: 'running', n: 1 });
    expect(kept.timeline).toContainEqual({ second: second + 2, app: 'sim', state: 'failed', n: 1 });
  });
});
