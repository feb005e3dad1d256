// The dashboard's server without a browser: every endpoint on a fixture database, the change feed, and bad
// input (missing, foreign, Python Parsl and old parsl-ts databases, a port in use, bad query parameters).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { type Dashboard, PARSL_TABLES, startDashboard, VisualizeError } from '#internal';
import {
  dashboardScope,
  FIXTURE_APPS,
  syntheticOutcome,
  writeSyntheticRun,
} from '../helpers/monitoring-db.js';

const scope = dashboardScope('visualize');
const { scratch, serve } = scope;
afterEach(async () => {
  await scope.cleanup();
});

async function get(d: Dashboard, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(d.url + path);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('visualize server', () => {
  test('every endpoint answers from a fixture database', async () => {
    const path = join(scratch(), 'monitoring.db');
    const run = writeSyntheticRun({
      path,
      runId: 'run-a',
      tasks: 1000,
      spacingMs: 20,
      sampleEvery: 5,
      pools: 2,
    });
    const d = await serve(path);
    const wf = await get(d, '/api/workflows');
    expect(wf.body.database).toMatchObject({ kind: { kind: 'parsl-ts' }, indexWarning: null });
    expect(wf.body.workflows).toMatchObject([
      { run_id: 'run-a', tasks_completed_count: run.states.exec_done },
    ]);

    const summary = await get(d, '/api/run/run-a');
    expect(summary.body.states).toEqual(run.states);

    const tl = (await get(d, '/api/run/run-a/timeline')).body as { points: { app: string; count: number }[] };
    expect(new Set(tl.points.map((p) => p.app))).toEqual(new Set(FIXTURE_APPS));
    const launched = tl.points.reduce((a, p) => a + p.count, 0);
    const retried = Array.from({ length: 1000 }, (_, i) => syntheticOutcome(i)).filter(
      (o) => o === 'retried',
    );
    expect(launched).toBe(1000 - run.states.dep_fail! + retried.length);

    const gantt = (await get(d, '/api/run/run-a/gantt')).body as {
      rows: { task_id: number }[];
      before: number;
    };
    expect(new Set(gantt.rows.map((r) => r.task_id)).size).toBe(500);
    expect(gantt.before).toBe(500);
    const older = (await get(d, '/api/run/run-a/gantt?before=500')).body as { rows: { task_id: number }[] };
    expect(Math.max(...older.rows.map((r) => r.task_id))).toBe(499);

    const failed = (await get(d, '/api/run/run-a/tasks?state=failed&app=reduce&limit=1000')).body as {
      rows: { task_id: number; state: string; task_func_name: string }[];
    };
    expect(failed.rows.length).toBeGreaterThan(0);
    for (const r of failed.rows) expect(r).toMatchObject({ state: 'failed', task_func_name: 'reduce' });
    const desc = (await get(d, '/api/run/run-a/tasks?order=desc&limit=3')).body as {
      rows: { task_id: number }[];
    };
    expect(desc.rows.map((r) => r.task_id)).toEqual([999, 998, 997]);

    const task = (await get(d, '/api/run/run-a/task/445')).body as { tries: unknown[]; resources: unknown[] };
    expect(syntheticOutcome(445)).toBe('retried');
    expect(task.tries).toHaveLength(2);
    expect(task.resources).toHaveLength(6);

    const dag = (await get(d, '/api/run/run-a/dag')).body as { edges: { count: number }[] };
    expect(dag.edges.reduce((a, e) => a + e.count, 0)).toBe(900); // every task but each 10th has a parent

    const res = (await get(d, '/api/run/run-a/resources')).body as {
      busy: { started: number; ended: number }[];
      nodes: unknown[];
      usage: { rssBytes: number }[];
    };
    expect(res.nodes).toHaveLength(2);
    expect(res.busy.reduce((a, p) => a + p.started - p.ended, 0)).toBe(0);
    expect(res.usage.length).toBeGreaterThan(0);

    for (const page of [
      '/',
      '/run/run-a',
      '/run/run-a/tasks',
      '/run/run-a/task/1',
      '/run/run-a/dag',
      '/run/run-a/resources',
    ]) {
      const r = await fetch(d.url + page);
      expect(r.status, page).toBe(200);
      expect(await r.text()).toContain('/static/app.js');
    }
    for (const asset of ['app.js', 'style.css', 'uPlot.js', 'uPlot.css', 'cytoscape.js']) {
      expect((await fetch(`${d.url}/static/${asset}`)).status, asset).toBe(200);
    }
  });

  test('bad query parameters and unknown runs, tasks and pages get an error naming them', async () => {
    const path = join(scratch(), 'monitoring.db');
    writeSyntheticRun({ path, runId: 'run-a', tasks: 10 });
    const d = await serve(path);
    expect(await get(d, '/api/run/run-a/tasks?after=ten')).toEqual({
      status: 400,
      body: { error: "query parameter 'after' must be a whole number; got 'ten'" },
    });
    expect((await get(d, '/api/run/run-a/tasks?order=sideways')).body.error).toMatch(
      /'order' must be 'asc' or 'desc'/,
    );
    expect(await get(d, '/api/run/nope')).toMatchObject({
      status: 404,
      body: { error: expect.stringMatching(/no workflow with run_id nope/) },
    });
    expect(await get(d, '/api/run/run-a/task/99')).toMatchObject({
      status: 404,
      body: { error: 'run run-a has no task 99' },
    });
    expect((await fetch(`${d.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${d.url}/api/workflows`, { method: 'POST' })).status).toBe(405);
  });

  test('the change feed sends an event when another connection commits', async () => {
    const path = join(scratch(), 'monitoring.db');
    writeSyntheticRun({ path, runId: 'run-a', tasks: 10 });
    const d = await serve(path);
    const abort = new AbortController();
    scope.defer(() => abort.abort());
    const r = await fetch(`${d.url}/api/events`, { signal: abort.signal });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += (await reader.read()).value ?? '';
    };
    await until(/event: hello/);
    writeSyntheticRun({ path, runId: 'run-b', tasks: 5 });
    await until(/event: change\ndata: \d+/);
    expect((await get(d, '/api/workflows')).body.workflows).toHaveLength(2);
  });

  test('a missing, empty, non-SQLite or foreign database is refused with what was found', async () => {
    const dir = scratch();
    await expect(startDashboard({ db: join(dir, 'none.db'), port: 0 })).rejects.toThrow(
      new VisualizeError(
        `--db ${join(dir, 'none.db')}: no such file. Run a workflow with a MonitoringHub first (it writes runinfo/monitoring.db by default), or pass --db PATH`,
      ),
    );
    writeFileSync(join(dir, 'empty.db'), '');
    await expect(startDashboard({ db: join(dir, 'empty.db'), port: 0 })).rejects.toThrow(
      /empty\.db: an empty database \(no workflow has been recorded in it\)/,
    );
    writeFileSync(
      join(dir, 'text.db'),
      'hello, this is not a database at all, but it is long enough to be read',
    );
    await expect(startDashboard({ db: join(dir, 'text.db'), port: 0 })).rejects.toThrow(
      /text\.db: not an SQLite database/,
    );
    const other = new Database(join(dir, 'other.db'));
    other.exec('CREATE TABLE users (id INTEGER, name TEXT)');
    other.close();
    await expect(startDashboard({ db: `sqlite:///${join(dir, 'other.db')}`, port: 0 })).rejects.toThrow(
      /other\.db: not a Parsl monitoring database: no table workflow, .* \(found users\)/,
    );
    await expect(startDashboard({ db: 'postgresql://db/x', port: 0 })).rejects.toThrow(
      /--db must be a file path or a 'sqlite:\/\/\/path' URL/,
    );
  });

  test('a Python Parsl database lists its workflows and says which tables the other pages need', async () => {
    const path = join(scratch(), 'parsl.db');
    const db = new Database(path);
    for (const [table, columns] of Object.entries(PARSL_TABLES))
      db.exec(`CREATE TABLE "${table}" (${columns.join(', ')})`);
    db.prepare(`INSERT INTO workflow (run_id, workflow_name, time_began, host, user, rundir, tasks_failed_count, tasks_completed_count)
      VALUES ('py-run', 'from-python', '2024-01-01 10:00:00.000000', 'h', 'u', 'runinfo/000', 0, 3)`).run();
    db.close();
    const d = await serve(path);
    expect(d.database.kind.kind).toBe('parsl');
    expect(d.database.indexesAdded).toEqual(['ix_try_run_task', 'ix_resource_run_time']);
    const wf = await get(d, '/api/workflows');
    expect(wf.body.workflows).toMatchObject([{ run_id: 'py-run', workflow_name: 'from-python' }]);
    const run = await get(d, '/api/run/py-run');
    expect(run.status).toBe(409);
    expect(run.body.error).toMatch(
      /written by Python Parsl or an older parsl-ts: it lacks the summary table\(s\) parsl_ts_task_state, parsl_ts_app_state, parsl_ts_timeline, parsl_ts_app_edge/,
    );
  });

  test("an older parsl-ts database gets the dashboard's indexes at open", async () => {
    const path = join(scratch(), 'monitoring.db');
    writeSyntheticRun({ path, runId: 'run-a', tasks: 100 });
    const db = new Database(path);
    db.exec('DROP INDEX ix_try_run_task; DROP INDEX ix_resource_run_time');
    db.close();
    const d = await serve(path);
    expect(d.database.indexesAdded).toEqual(['ix_try_run_task', 'ix_resource_run_time']);
    const indexes = d.database.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'`)
      .pluck()
      .all();
    expect(indexes).toEqual(expect.arrayContaining(['ix_try_run_task', 'ix_resource_run_time']));
    expect((await get(d, '/api/run/run-a/gantt')).status).toBe(200);
  });

  test('a port in use and an address not of this machine are named', async () => {
    const path = join(scratch(), 'monitoring.db');
    writeSyntheticRun({ path, runId: 'run-a', tasks: 1 });
    const d = await serve(path);
    await expect(startDashboard({ db: path, port: d.port })).rejects.toThrow(
      `port ${d.port} on 127.0.0.1 is in use (--port): choose another, or --port 0 for a free one`,
    );
    await expect(startDashboard({ db: path, host: '192.0.2.1', port: 0 })).rejects.toThrow(
      '192.0.2.1 is not an address of this machine (--host)',
    );
    await expect(startDashboard({ db: path, port: 70000 })).rejects.toThrow(
      '--port must be a whole number from 0 to 65535; got 70000',
    );
  });
});
