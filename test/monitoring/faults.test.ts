// Bad input and failures around the monitoring database: locks held by readers, unwritable or foreign
// databases, a writer that dies.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as parsl from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import type { TaskRows } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { expectLogErrors } from '../helpers/run-logs.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  parsl.clear();
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(): string {
  const dir = tempDir('monitoring-faults');
  cleanups.push(() => dir.remove());
  return dir.path;
}

function config(runDir: string, hub: parsl.MonitoringHubOptions = {}): parsl.Config {
  return new parsl.Config({
    executors: [new parsl.ThreadPoolExecutor({ maxThreads: 2 })],
    runDir,
    monitoring: new parsl.MonitoringHub(hub),
  });
}

const inc = parsl.app((x: number) => x + 1);

describe('monitoring faults', () => {
  test('a reader holding a read transaction and then the write lock loses no row', async () => {
    const base = scratch();
    const runDir = join(base, 'runinfo');
    const path = join(runDir, 'monitoring.db');
    const dfk = await parsl.load(config(runDir));
    const reader = new Database(path);
    cleanups.push(() => void reader.close());
    // A long read transaction: WAL lets the writer go on past it.
    reader.exec('BEGIN');
    const before = (reader.prepare('SELECT count(*) AS n FROM task').get() as { n: number }).n;
    const first = await Promise.all(Array.from({ length: 500 }, (_, i) => inc(i)));
    expect(first[499]).toBe(500);
    // The reader's snapshot does not move while the writer commits.
    expect((reader.prepare('SELECT count(*) AS n FROM task').get() as { n: number }).n).toBe(before);
    reader.exec('COMMIT');
    await eventually(
      () => (reader.prepare('SELECT count(*) AS n FROM task').get() as { n: number }).n === 500,
    );
    // Now the reader takes the write lock: the writer's batch fails busy, is retried, goes in once released.
    reader.exec('BEGIN IMMEDIATE');
    await Promise.all(Array.from({ length: 500 }, (_, i) => inc(i)));
    const observer = dfk.monitoring as TaskRows;
    await eventually(() => observer.busyRetries > 0);
    expect((reader.prepare('SELECT count(*) AS n FROM task').get() as { n: number }).n).toBe(500);
    reader.exec('COMMIT');
    await dfk.cleanup();
    const counts = reader
      .prepare(
        `SELECT (SELECT count(*) FROM task) AS task, (SELECT count(*) FROM try) AS try,
           (SELECT count(*) FROM status) AS status, (SELECT tasks_completed_count FROM workflow) AS done`,
      )
      .get();
    expect(counts).toEqual({ task: 1000, try: 1000, status: 5000, done: 1000 });
  });

  test('an unwritable database path fails load() with a clear error, and the next load works', async () => {
    const base = scratch();
    const locked = join(base, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    cleanups.push(() => chmodSync(locked, 0o700));
    const endpoint = join(locked, 'sub', 'monitoring.db');
    // root ignores directory permissions: then use a path under a regular file, which nobody can create.
    const file = join(base, 'a-file');
    writeFileSync(file, '');
    const impossible = process.getuid?.() === 0 ? join(file, 'monitoring.db') : endpoint;
    const err = await parsl
      .load(config(join(base, 'runinfo'), { loggingEndpoint: impossible }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(parsl.MonitoringDatabaseError);
    expect(err).toBeInstanceOf(parsl.ConfigurationError);
    expect((err as Error).message).toContain('MonitoringHub.loggingEndpoint');
    expect((err as Error).message).toContain(impossible);
    const dfk = await parsl.load(config(join(base, 'runinfo')));
    expect(await inc(1)).toBe(2);
    await dfk.cleanup();
  });

  test('a foreign database is refused at load() and left untouched', async () => {
    const base = scratch();
    const path = join(base, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE task (id INTEGER PRIMARY KEY, title TEXT)');
    other.close();
    const err = await parsl
      .load(config(join(base, 'runinfo'), { loggingEndpoint: `sqlite:///${path}` }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(parsl.MonitoringDatabaseError);
    expect((err as Error).message).toMatch(/table 'task' without Parsl's column\(s\) task_id, run_id/);
    const check = new Database(path, { readonly: true });
    const tables = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all();
    check.close();
    expect(tables).toEqual([{ name: 'task' }]);
  });

  test('a writer that dies: the workflow goes on and parsl.log says so once', async () => {
    const base = scratch();
    const runDir = join(base, 'runinfo');
    mkdirSync(runDir);
    expectLogErrors(runDir, /the monitoring writer for .* stopped/);
    const dfk = await parsl.load(config(runDir));
    expect(await inc(1)).toBe(2);
    const observer = dfk.monitoring as TaskRows;
    const exited = new Promise((resolve) => observer.writer.once('exit', resolve));
    await observer.writer.terminate();
    await exited;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => inc(i)));
    expect(results[199]).toBe(200);
    await dfk.cleanup();
    const log = readFileSync(join(dfk.runDir, 'parsl.log'), 'utf8');
    expect(log.match(/monitoring writer .* stopped/g)).toHaveLength(1);
    expect(log).toMatch(
      /ERROR: the monitoring writer for .*monitoring\.db stopped \(it exited with code 1\)/,
    );
  });
});
