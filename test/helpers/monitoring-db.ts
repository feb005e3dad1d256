/**
 * Monitoring databases with Parsl's schema, written through the real store (the writer thread's code): the
 * dashboard's tests build small ones with every kind of row, and the benchmarks build the 1,000,000-task one.
 */
import { TaskState } from 'parsl-ts';
import {
  type Dashboard,
  emptyBatch,
  MonitoringStore,
  openForWriting,
  type RowBatch,
  startDashboard,
} from '#internal';
import { tempDir } from './paths.js';

export const FIXTURE_APPS = ['simulate', 'analyze', 'reduce', 'stage_in', 'plot'] as const;

export interface SyntheticRun {
  readonly path: string;
  readonly runId: string;
  /** Tasks in the run. */
  readonly tasks: number;
  /** Tasks per store write (one transaction each). @default 5000 */
  readonly perBatch?: number;
  /** Workflow start, epoch ms; tasks follow one per `spacingMs`. @default now − tasks × spacingMs */
  readonly start?: number;
  /** @default 1 */
  readonly spacingMs?: number;
  /** Resource samples per task on every `sampleEvery`-th task (0: none). @default 0 */
  readonly sampleEvery?: number;
  /** Leave the last `unfinished` tasks launched or running, and the workflow without an end. @default 0 */
  readonly unfinished?: number;
  /** Worker pools registered at the start (node rows) and block rows. @default 0 */
  readonly pools?: number;
  readonly workflowName?: string;
}

export interface SyntheticResult {
  readonly rows: number;
  readonly seconds: number;
  /** Tasks per final state, as the run's rows say. */
  readonly states: Record<string, number>;
}

/**
 * What task `id` of a synthetic run does: every 97th fails, every 89th needs a second try, every 211th fails
 * because a dependency failed, every 10th starts a chain (the others depend on the previous task).
 */
export function syntheticOutcome(id: number): 'exec_done' | 'failed' | 'retried' | 'dep_fail' {
  if (id % 211 === 0 && id > 0) return 'dep_fail';
  if (id % 97 === 0) return 'failed';
  if (id % 89 === 0) return 'retried';
  return 'exec_done';
}

function addTask(b: RowBatch, id: number, t: number, app: string, finish: boolean, samples: number): string {
  const S = TaskState;
  const depends = id > 0 && id % 10 !== 0 ? String(id - 1) : null;
  const out = syntheticOutcome(id);
  b.task.push(
    id,
    app,
    0,
    depends,
    t,
    `runinfo/task_logs/${id}.stdout`,
    `runinfo/task_logs/${id}.stderr`,
    null,
  );
  if (depends !== null) b.edges.push(FIXTURE_APPS[(id - 1) % FIXTURE_APPS.length]!, app);
  b.status.push(id, 0, S.pending, t, app, -1);
  if (out === 'dep_fail') {
    b.status.push(id, 0, S.dep_fail, t + 1, app, S.pending);
    b.taskEnd.push(id, t + 1, 1, 0, null);
    return 'dep_fail';
  }
  const tries = out === 'retried' ? 2 : 1;
  let previous: TaskState = S.pending;
  for (let k = 0; k < tries; k++) {
    const at = t + 1 + 4 * k;
    const last = k === tries - 1;
    b.try.push(id, k, 'htex', at);
    b.status.push(id, k, S.launched, at, app, previous);
    b.status.push(id, k, S.running, at + 1, app, null);
    for (let s = 0; s < samples; s++) {
      const when = at + 1 + (s * 2) / Math.max(1, samples);
      b.resource.push(id, k, 1, when, 4000 + (id % 1000), 0, 0.01 * (s + 1), 0.002 * (s + 1));
      b.resource.push(50e6 + s * 1e6, 300e6, 0.5, 4096 * s, 1024 * s, s, 0, 'running', id % 2);
    }
    if (!finish && last) return 'running';
    b.status.push(id, k, S.running_ended, at + 2, app, null);
    const fails = !last || out === 'failed';
    b.tryEnd.push(id, k, at + 1, `node-${id % 4}`, String(id % 8), at + 3, fails ? 'Error: boom' : null);
    const state = !last ? S.fail_retryable : fails ? S.failed : S.exec_done;
    b.status.push(id, k, state, at + 3, app, S.launched);
    previous = state;
  }
  b.taskEnd.push(id, t + 4 * tries, out === 'failed' ? 1 : tries - 1, 0, null);
  return out === 'failed' ? 'failed' : 'exec_done';
}

/** Write a synthetic run through the monitoring store; safe to call again on the same path for another run. */
export function writeSyntheticRun(o: SyntheticRun): SyntheticResult {
  const spacing = o.spacingMs ?? 1;
  const start = o.start ?? Date.now() - o.tasks * spacing;
  const perBatch = o.perBatch ?? 5_000;
  const unfinished = o.unfinished ?? 0;
  const store = new MonitoringStore(openForWriting(o.path));
  const states: Record<string, number> = {};
  const t0 = performance.now();
  for (let first = 0; first < o.tasks || first === 0; first += perBatch) {
    const b = emptyBatch(o.runId);
    if (first === 0) {
      b.workflowStart = {
        name: o.workflowName ?? 'synthetic',
        version: '1',
        timeBegan: start,
        host: 'fixture-host',
        user: 'fixture',
        rundir: 'runinfo/000',
      };
      for (let p = 0; p < (o.pools ?? 0); p++) {
        const node = {
          executorLabel: 'htex',
          uid: `pool-${p}`,
          hostname: `node-${p}`,
          blockId: String(p),
          cpuCount: 8,
          totalMemory: 16 * 2 ** 30,
          workerCount: 4,
          active: true,
          version: 'v20',
          time: start,
          lastHeartbeat: start,
        };
        b.node.push(node);
        b.block.push({
          executorLabel: 'htex',
          blockId: String(p),
          jobId: `job-${p}`,
          status: 'RUNNING',
          time: start,
        });
      }
    }
    for (let id = first; id < Math.min(o.tasks, first + perBatch); id++) {
      const samples = o.sampleEvery && id % o.sampleEvery === 0 ? 3 : 0;
      const s = addTask(
        b,
        id,
        start + id * spacing,
        FIXTURE_APPS[id % FIXTURE_APPS.length]!,
        id < o.tasks - unfinished,
        samples,
      );
      states[s] = (states[s] ?? 0) + 1;
    }
    if (first + perBatch >= o.tasks && unfinished === 0) {
      const failed = (states.failed ?? 0) + (states.dep_fail ?? 0);
      b.workflowEnd = { timeCompleted: start + o.tasks * spacing + 10, completed: o.tasks - failed, failed };
    }
    store.write(b);
    if (o.tasks === 0) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = store.rows;
  store.close();
  return { rows, seconds, states };
}

/** Scratch directories and dashboards a test opens, each closed or removed by `cleanup()` (call it in afterEach). */
export function dashboardScope(name: string) {
  const cleanups: Array<() => Promise<void> | void> = [];
  return {
    /** Run `f` at cleanup, before what was registered earlier. */
    defer: (f: () => Promise<void> | void) => void cleanups.push(f),
    scratch(): string {
      const dir = tempDir(name);
      cleanups.push(() => dir.remove());
      return dir.path;
    },
    async serve(db: string): Promise<Dashboard> {
      const d = await startDashboard({ db, port: 0 });
      cleanups.push(() => d.close());
      return d;
    },
    async cleanup(): Promise<void> {
      for (const c of cleanups.splice(0).reverse()) await c();
    },
  };
}
