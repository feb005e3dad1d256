// Monitoring through the HighThroughputExecutor: worker reports ride with results; nodes from the interchange;
// blocks from the job status poller; resource samples of the task's process tree.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as parsl from 'parsl-ts';
import { HighThroughputExecutor, LocalProvider, SimpleLauncher } from 'parsl-ts';
import { afterEach, expect, test } from 'vitest';
import { freshRunDir } from '../helpers/executors.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';

let marker = '';
afterEach(() => {
  if (marker !== '') killAll(marker);
});

/** A kernel with one HTEX block of 2 workers on this host and monitoring on. */
async function loadMonitored(name: string, hub: parsl.MonitoringHubOptions) {
  const { runDir } = freshRunDir(name);
  marker = runDir;
  const ex = new HighThroughputExecutor({
    label: 'htex',
    address: '127.0.0.1',
    maxWorkersPerNode: 2,
    provider: new LocalProvider({
      launcher: new SimpleLauncher({ debug: false }),
      initBlocks: 1,
      statusPollingInterval: 0.1,
    }),
  });
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [ex],
      runDir,
      strategy: 'none',
      strategyPeriod: 0.1,
      monitoring: new parsl.MonitoringHub(hub),
    }),
  );
  if (ex.statuses().size === 0) await ex.scaleOut(1);
  return { runDir, dfk };
}

test("HTEX: Parsl's test_basic row counts, node and block rows, resource samples of a bash app's tree", async () => {
  const { runDir, dfk } = await loadMonitored('monitoring-htex', {
    resourceMonitoringInterval: 0.1,
    workflowName: 'htex-test',
  });
  const sleeper = parsl.bashApp(() => 'sleep 0.6 & sleep 0.6; wait');
  await sleeper();
  // A synchronous task that lasts longer than the interval: its timer cannot fire, its end is sampled.
  const double = parsl.app((x: number) => {
    const end = Date.now() + 150;
    while (Date.now() < end);
    return x * 2;
  });
  expect(await double(21)).toBe(42);
  await dfk.cleanup();
  await expectNoProcessLeft(runDir);

  const db = new Database(join(runDir, 'monitoring.db'), { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM workflow')).toBe(1);
    expect(count(`SELECT count(*) AS n FROM workflow WHERE workflow_name = 'htex-test'`)).toBe(1);
    expect(count('SELECT count(*) AS n FROM task')).toBe(2);
    expect(count('SELECT count(*) AS n FROM try')).toBe(2);
    expect(count('SELECT count(*) AS n FROM try WHERE task_try_time_running IS NULL')).toBe(0);
    // The block the worker ran in (the poller's first tick may have started a second block meanwhile).
    expect(
      count(`SELECT count(*) AS n FROM try WHERE block_id IN ('0', '1') AND task_executor = 'htex'`),
    ).toBe(2);
    // One node row when the pool registered (Parsl: one per manager registration or change).
    const nodes = db.prepare('SELECT * FROM node').all() as Record<string, unknown>[];
    expect(nodes.length).toBeGreaterThanOrEqual(1);
    expect(nodes[0]).toMatchObject({ worker_count: 2, active: 1 });
    expect(nodes[0]!.cpu_count as number).toBeGreaterThan(0);
    // Block rows: submitted (PENDING), then at least one change (RUNNING / SCALED_IN at cleanup).
    const blocks = db.prepare(`SELECT status FROM block WHERE block_id = '0' ORDER BY timestamp`).all() as {
      status: string;
    }[];
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks[0]!.status).toBe('PENDING');
    expect(blocks.map((b) => b.status)).toContain('SCALED_IN');
    // Samples every 0.1 s while the bash app ran, and one at its end; its two sleeps were in the tree.
    const res = db.prepare('SELECT * FROM resource WHERE task_id = 0 ORDER BY timestamp').all() as Record<
      string,
      number
    >[];
    expect(res.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...res.map((r) => r.psutil_process_children_count!))).toBeGreaterThanOrEqual(2);
    expect(res.every((r) => r.psutil_process_memory_resident! > 0)).toBe(true);
    expect(res[0]!.resource_monitoring_interval).toBe(0.1);
    // The synchronous task: its end sample only.
    expect(count('SELECT count(*) AS n FROM resource WHERE task_id = 1')).toBe(1);
  } finally {
    db.close();
  }
});

test('HTEX with sampling on, a flood of short tasks: samples per worker and interval, not per task', async () => {
  const { runDir, dfk } = await loadMonitored('monitoring-htex-flood', { resourceMonitoringInterval: 60 });
  const noop = parsl.app((x: number) => x);
  const n = 500;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => noop(i)));
  expect(results[n - 1]).toBe(n - 1);
  await dfk.cleanup();
  await expectNoProcessLeft(runDir);

  const db = new Database(join(runDir, 'monitoring.db'), { readonly: true });
  try {
    const one = (sql: string) => db.prepare(sql).get() as Record<string, number>;
    expect(one('SELECT count(*) AS n FROM status').n).toBe(5 * n);
    // Within one interval each worker samples its first task only (Parsl's per-task monitor: 2 per task). The
    // poller may have started a second block of 2 workers before the first registered.
    const workers = 2 * one('SELECT count(DISTINCT block_id) AS n FROM try').n!;
    const s = one('SELECT count(*) AS n, count(DISTINCT psutil_process_pid) AS pids FROM resource');
    expect(s.n).toBeGreaterThanOrEqual(1);
    expect(s.n).toBeLessThanOrEqual(workers);
    expect(s.pids).toBe(s.n);
  } finally {
    db.close();
  }
});
