// Parsl's test_basic row counts and Parsl's own query SQL against a database written through the thread pool.
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as parsl from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { PARSL_TABLES } from '#internal';
import { tempDir } from '../helpers/paths.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Run `body` under a kernel with monitoring into a fresh directory; returns the database path and run id. */
async function monitored(
  body: () => Promise<void>,
  executor: parsl.Executor = new parsl.ThreadPoolExecutor({ maxThreads: 2 }),
  hub: parsl.MonitoringHubOptions = {},
  config: parsl.ConfigOptions = {},
): Promise<{ path: string; runId: string }> {
  const dir = tempDir('monitoring');
  cleanups.push(() => dir.remove());
  const runDir = join(dir.path, 'runinfo');
  const dfk = await parsl.load(
    new parsl.Config({ executors: [executor], runDir, monitoring: new parsl.MonitoringHub(hub), ...config }),
  );
  try {
    await body();
  } finally {
    await dfk.cleanup();
  }
  return { path: join(runDir, 'monitoring.db'), runId: dfk.runId };
}

function open(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  cleanups.push(() => void db.close());
  return db;
}

const count = (db: Database.Database, table: string) =>
  (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;

describe('monitoring database (thread pool)', () => {
  test("one simple app: Parsl's test_basic row counts", async () => {
    const { path, runId } = await monitored(async () => {
      expect(await parsl.app((x: number) => x + 1)(1)).toBe(2);
    });
    const db = open(path);
    expect(count(db, 'workflow')).toBe(1);
    expect(count(db, 'task')).toBe(1);
    expect(count(db, 'try')).toBe(1);
    expect(count(db, 'resource')).toBe(0); // threads share the kernel's process: no samples
    expect(count(db, 'node')).toBe(0);
    expect(count(db, 'block')).toBe(0);
    // Parsl: no exec_done try has a NULL task_try_time_running.
    const notRunning = db
      .prepare(
        `SELECT count(*) AS n FROM try JOIN status USING (task_id, run_id, try_id)
         WHERE status.task_status_name = 'exec_done' AND task_try_time_running IS NULL`,
      )
      .get() as { n: number };
    expect(notRunning.n).toBe(0);
    const w = db.prepare('SELECT * FROM workflow').get() as Record<string, unknown>;
    expect(w.run_id).toBe(runId);
    expect(w.time_began).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(w.time_completed).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(w.tasks_completed_count).toBe(1);
    expect(w.tasks_failed_count).toBe(0);
    const states = db
      .prepare('SELECT task_status_name FROM status ORDER BY timestamp')
      .all()
      .map((r) => (r as { task_status_name: string }).task_status_name);
    expect(states).toEqual(['pending', 'launched', 'running', 'running_ended', 'exec_done']);
  });

  test("Parsl's schema: every table has Parsl's columns with Parsl's types", async () => {
    const { path } = await monitored(async () => {});
    const db = open(path);
    for (const [table, columns] of Object.entries(PARSL_TABLES)) {
      const info = db.pragma(`table_info(${table})`) as { name: string; type: string }[];
      expect(info.map((c) => c.name)).toEqual([...columns]);
    }
    const types = (t: string) =>
      Object.fromEntries(
        (db.pragma(`table_info(${t})`) as { name: string; type: string }[]).map((c) => [c.name, c.type]),
      );
    expect(types('workflow')).toMatchObject({
      run_id: 'TEXT',
      time_began: 'DATETIME',
      tasks_failed_count: 'INTEGER',
    });
    expect(types('task')).toMatchObject({
      task_id: 'INTEGER',
      task_fail_cost: 'FLOAT',
      task_time_invoked: 'DATETIME',
    });
    expect(types('node')).toMatchObject({ total_memory: 'BIGINT', active: 'BOOLEAN' });
    expect(types('resource')).toMatchObject({ psutil_process_time_user: 'FLOAT', psutil_cpu_num: 'TEXT' });
  });

  test("retries, failures, dependencies and memoization; Parsl's query SQL reads them", async () => {
    const { path, runId } = await monitored(async () => {
      const inc = parsl.app((x: number) => x + 1, { cache: true });
      const boom = parsl.app((): number => {
        throw new Error('boom');
      });
      const a = inc(1);
      const b = inc(a);
      expect(await b).toBe(3);
      expect(await inc(1)).toBe(2); // memo hit
      await expect(boom()).rejects.toThrow('boom');
      await expect(inc(boom())).rejects.toThrow(parsl.DependencyError);
    });
    const db = open(path);
    // parsl/monitoring/queries/pandas.py, verbatim SQL.
    const appCounts = db
      .prepare(
        `SELECT task_func_name, count(*) as 'frequency' FROM task WHERE run_id='${runId}' GROUP BY task_func_name;`,
      )
      .all() as { task_func_name: string; frequency: number }[];
    expect(Object.fromEntries(appCounts.map((r) => [r.task_func_name, r.frequency]))).toEqual({
      anonymous: 6,
    });
    const statuses = db
      .prepare(`SELECT run_id, task_id, task_status_name, timestamp FROM status WHERE run_id='${runId}';`)
      .all() as { task_id: number; task_status_name: string }[];
    const of = (id: number) =>
      statuses
        .filter((s) => s.task_id === id)
        .map((s) => s.task_status_name)
        .sort();
    expect(of(2)).toEqual(['launched', 'memo_done', 'pending']);
    expect(of(3)).toContain('failed');
    expect(of(5)).toEqual(['dep_fail', 'pending']);
    const tries = db
      .prepare(
        `SELECT task.task_id, task_func_name, task_time_returned, task_try_time_running, task_try_time_returned
           FROM task, try WHERE task.task_id = try.task_id AND task.run_id='${runId}' AND try.run_id='${runId}'`,
      )
      .all();
    expect(tries).toHaveLength(5); // the dep_fail task never launched
    const tasks = db.prepare(`SELECT * FROM task WHERE run_id='${runId}'`).all() as Record<string, unknown>[];
    const byId = new Map(tasks.map((t) => [t.task_id as number, t]));
    expect(byId.get(1)!.task_depends).toBe('0');
    expect(byId.get(3)!.task_fail_count).toBe(1);
    expect(byId.get(0)!.task_hashsum).toMatch(/^[\w-]{20,}$/);
    expect(db.prepare(`SELECT * FROM resource WHERE run_id='${runId}' AND task_id='0';`).all()).toEqual([]);
    const completion = db
      .prepare(`SELECT task_id, task_func_name, task_time_returned FROM task WHERE run_id='${runId}'`)
      .all() as { task_time_returned: string | null }[];
    expect(completion.every((r) => r.task_time_returned !== null)).toBe(true);
  });

  test('a retried task: one try row per try, fail_retryable, the failure in the first try', async () => {
    const dir = tempDir('retry-marker');
    cleanups.push(() => dir.remove());
    const marker = join(dir.path, 'tried');
    const { path, runId } = await monitored(
      async () => {
        const flaky = parsl.bashApp((p: string) => `test -e ${p} || { touch ${p}; exit 3; }`);
        await flaky(marker);
      },
      undefined,
      {},
      { retries: 1 },
    );
    const db = open(path);
    const tries = db
      .prepare(
        `SELECT try_id, task_fail_history, task_try_time_running FROM try WHERE run_id = ? ORDER BY try_id`,
      )
      .all(runId) as {
      try_id: number;
      task_fail_history: string | null;
      task_try_time_running: string | null;
    }[];
    expect(tries.map((t) => t.try_id)).toEqual([0, 1]);
    expect(tries[0]!.task_fail_history).toMatch(/BashExitFailure/);
    expect(tries.every((t) => t.task_try_time_running !== null)).toBe(true);
    const states = db
      .prepare(`SELECT try_id, task_status_name FROM status WHERE run_id = ? ORDER BY timestamp`)
      .all(runId)
      .map((r) => {
        const s = r as { try_id: number; task_status_name: string };
        return `${s.try_id}:${s.task_status_name}`;
      });
    expect(states).toEqual([
      '0:pending',
      '0:launched',
      '0:running',
      '0:running_ended',
      '0:fail_retryable',
      '1:pending',
      '1:launched',
      '1:running',
      '1:running_ended',
      '1:exec_done',
    ]);
    expect(parsl.monitoringQueries.stateCounts(open(path), runId)).toEqual({ exec_done: 1 });
  });

  test('the read module answers from the summaries', async () => {
    const q = parsl.monitoringQueries;
    const { path, runId } = await monitored(async () => {
      const inc = parsl.app((x: number) => x + 1);
      const boom = parsl.app((): number => {
        throw new Error('boom');
      });
      const futures = Array.from({ length: 30 }, (_, i) => inc(i));
      await Promise.all(futures);
      await Promise.all([inc(futures[0]!), inc(futures[1]!)]);
      await expect(boom()).rejects.toThrow('boom');
    });
    const db = q.openForReading(path);
    cleanups.push(() => void db.close());
    expect(q.inspect(db)).toEqual({ kind: 'parsl-ts' });
    expect(q.workflows(db).map((w) => w.run_id)).toEqual([runId]);
    expect(q.stateCounts(db, runId)).toEqual({ exec_done: 32, failed: 1 });
    const page1 = q.tasks(db, runId, { limit: 20 });
    expect(page1.rows.map((r) => r.task_id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const page2 = q.tasks(db, runId, { limit: 20, after: page1.next! });
    expect(page2.rows).toHaveLength(13);
    expect(page2.next).toBeNull();
    expect(q.tasks(db, runId, { state: 'failed' }).rows.map((r) => r.task_id)).toEqual([32]);
    expect(q.tasks(db, runId, { order: 'desc', limit: 1 }).rows[0]!.task_id).toBe(32);
    const one = q.task(db, runId, 30)!;
    expect(one.task.task_depends).toBe('0');
    expect(one.state).toBe('exec_done');
    expect(one.tries).toHaveLength(1);
    expect(one.statuses.map((s) => s.task_status_name)).toEqual([
      'pending',
      'launched',
      'running',
      'running_ended',
      'exec_done',
    ]);
    expect(q.dagByApp(db, runId).edges).toEqual([{ from: 'anonymous', to: 'anonymous', count: 2 }]);
    const launched = q.timeline(db, runId, 3600).filter((p) => p.state === 'launched');
    expect(launched.reduce((n, p) => n + p.count, 0)).toBe(33);
    expect(q.workerUsage(db, runId, 3600).reduce((n, p) => n + p.launched - p.returned, 0)).toBe(0);
  });

  test('a burst of tasks larger than many event chunks: every row, every name, the summaries in step', async () => {
    const q = parsl.monitoringQueries;
    const n = 4000; // 8000 tasks, 24,000 kernel events: a dozen chunks, several writer transactions
    const { path, runId } = await monitored(async () => {
      const alpha = parsl.app((x: number) => x, { name: 'alpha' });
      const beta = parsl.app(
        (x: number, i: number) => {
          if (i % 1000 === 999) throw new Error(`boom ${i}`);
          return x + i;
        },
        { name: 'beta' },
      );
      const all: parsl.AppFuture<number>[] = [];
      for (let i = 0; i < n; i++) {
        const a = alpha(i);
        all.push(a, beta(a, i));
      }
      await Promise.allSettled(all);
    });
    const db = open(path);
    const rows = (sql: string) => db.prepare(sql).all();
    expect(
      rows('SELECT task_func_name, count(*) AS n, count(task_depends) AS d FROM task GROUP BY 1'),
    ).toEqual([
      { task_func_name: 'alpha', n, d: 0 },
      { task_func_name: 'beta', n, d: n },
    ]);
    expect(count(db, 'try')).toBe(2 * n);
    expect(rows('SELECT task_status_name AS s, count(*) AS n FROM status GROUP BY 1 ORDER BY 1')).toEqual([
      { s: 'exec_done', n: 2 * n - 4 },
      { s: 'failed', n: 4 },
      { s: 'launched', n: 2 * n },
      { s: 'pending', n: 2 * n },
      { s: 'running', n: 2 * n },
      { s: 'running_ended', n: 2 * n },
    ]);
    // Names travel as codes: each row still carries its own app's name, executor, host and failure.
    expect(rows('SELECT DISTINCT task_executor AS e, hostname AS h FROM try')).toEqual([
      { e: 'threads', h: hostname() },
    ]);
    expect(
      rows(
        `SELECT task_id AS id, task_fail_history AS f FROM try WHERE task_fail_history IS NOT NULL ORDER BY 1`,
      ),
    ).toEqual([1999, 3999, 5999, 7999].map((id) => ({ id, f: `Error: boom ${(id - 1) / 2}` })));
    expect(
      rows(`SELECT count(*) AS n FROM task JOIN status USING (run_id, task_id)
            WHERE (task_id % 2 = 0) <> (task_func_name = 'alpha')`),
    ).toEqual([{ n: 0 }]);
    expect(q.stateCounts(db, runId)).toEqual({ exec_done: 2 * n - 4, failed: 4 });
    expect(q.dagByApp(db, runId).edges).toEqual([{ from: 'alpha', to: 'beta', count: n }]);
    const w = db.prepare('SELECT * FROM workflow').get() as Record<string, unknown>;
    expect([w.tasks_completed_count, w.tasks_failed_count]).toEqual([2 * n - 4, 4]);
  });
});
