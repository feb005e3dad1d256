import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { AppFuture, DataFuture, type Future } from '../dataflow/future.js';
import type { KernelObserver, ObservedTask } from '../dataflow/observer.js';
import { TaskState } from '../dataflow/states.js';
import type { BlockReport, ExecutorMonitor, NodeReport, WorkerReport } from '../executors/base.js';
import type { WriterLink } from './writer-link.js';

/** Sub-millisecond wall time: two state changes of one task rarely share a status timestamp. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Turns the kernel's task state changes into rows for the writer, as Parsl's DFK and database manager do
 * between them: a `task` row at submit, a `try` row at each launch, its times and the worker's at return, a
 * `status` row per state (the worker's start and end become `running` and `running_ended`), and `resource`
 * rows from the worker's samples. Runs synchronously inside the kernel: it only appends to flat arrays.
 */
export class TaskRows implements KernelObserver {
  readonly executorMonitor: ExecutorMonitor;
  readonly #link: WriterLink;

  constructor(
    link: WriterLink,
    readonly workerSampling: number | null,
    readonly samplingInterval: number,
    readonly onClose: (counts: { completed: number; failed: number }) => Promise<void>,
  ) {
    this.#link = link;
    this.executorMonitor = {
      node: (n: NodeReport) => {
        link.batch.node.push(n);
        link.rowsAdded();
      },
      block: (b: BlockReport) => {
        link.batch.block.push(b);
        link.rowsAdded();
      },
    };
  }

  taskState(rec: ObservedTask, worker: WorkerReport | null, previous: TaskState | null): void {
    const b = this.#link.batch;
    const t = now();
    const id = rec.id;
    const app = rec.app.name;
    const state = rec.state;
    if (state === TaskState.pending && rec.tryId === 0 && rec.failCount === 0) {
      b.task.push(
        id,
        app,
        rec.app.cache ? 1 : 0,
        this.#depends(rec, app),
        rec.timeInvoked,
        rec.future.stdout,
        rec.future.stderr,
        rec.future.outputs.length === 0 ? null : rec.future.outputs.map((f) => f.filepath).join(','),
      );
    } else if (state === TaskState.launched) {
      b.try.push(id, rec.tryId, rec.executor?.label ?? (rec.fromMemo ? 'memo' : rec.app.kind), t);
    }
    if (worker !== null) this.#worker(rec, worker);
    const final =
      state === TaskState.exec_done ||
      state === TaskState.failed ||
      state === TaskState.dep_fail ||
      state === TaskState.memo_done;
    if (final || state === TaskState.fail_retryable) {
      if (state !== TaskState.dep_fail || rec.executor !== null) {
        b.tryEnd.push(
          id,
          rec.tryId,
          worker === null ? null : worker.started,
          worker === null ? null : worker.hostname,
          worker === null ? null : worker.blockId,
          t,
          rec.failures === null ? null : rec.failures.join(','),
        );
      }
    }
    if (final) b.taskEnd.push(id, rec.timeReturned ?? Date.now(), rec.failCount, rec.failCost, rec.hashsum);
    // States travel as their numbers (cheaper to clone than names); -1: the task's first state.
    b.status.push(id, rec.tryId, state, t, app, previous === null ? -1 : previous);
    this.#link.rowsAdded();
  }

  /** The writer thread (tests kill it, as Parsl's test_kill_monitoring kills its database process). */
  get writer(): Worker {
    return this.#link.thread;
  }

  /** How often the writer found the database locked by another connection (and retried). */
  get busyRetries(): number {
    return this.#link.busyRetries;
  }

  close(counts: { completed: number; failed: number }): Promise<void> {
    return this.onClose(counts);
  }

  /** The running / running_ended statuses and resource rows a worker reported with its result. */
  #worker(rec: ObservedTask, w: WorkerReport): void {
    const b = this.#link.batch;
    const app = rec.app.name;
    b.status.push(rec.id, rec.tryId, TaskState.running, w.started, app, null);
    b.status.push(rec.id, rec.tryId, TaskState.running_ended, w.ended, app, null);
    if (w.samples === null) return;
    for (const s of w.samples) {
      b.resource.push(
        rec.id,
        rec.tryId,
        this.samplingInterval,
        s.time,
        s.pid,
        s.children,
        s.cpuUser,
        s.cpuSystem,
        s.rss,
        s.vms,
        s.memoryPercent,
        s.diskRead,
        s.diskWrite,
        s.ctxVoluntary,
        s.ctxInvoluntary,
        s.status,
        s.cpuNum,
      );
    }
  }

  /** Parsl's comma-joined dependency ids; the app-to-app edges go to the DAG summary. */
  #depends(rec: ObservedTask, app: string): string | null {
    if (rec.deps === null) return null;
    const ids: number[] = [];
    const edges = this.#link.batch.edges;
    for (const f of rec.deps.futures) {
      const parent = appFutureOf(f);
      if (parent === null) continue;
      ids.push(parent.tid);
      const task = parent.task as Partial<ObservedTask>;
      edges.push(task.app?.name ?? '?', app);
    }
    return ids.length === 0 ? null : ids.join(',');
  }
}

function appFutureOf(f: Future<unknown>): AppFuture<unknown> | null {
  if (f instanceof AppFuture) return f;
  if (f instanceof DataFuture) return f.parent;
  return null;
}
