import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { AppFuture, DataFuture, type Future } from '../dataflow/future.js';
import type { KernelObserver, ObservedTask } from '../dataflow/observer.js';
import { TaskState } from '../dataflow/states.js';
import type { BlockReport, ExecutorMonitor, NodeReport, WorkerReport } from '../executors/base.js';
import { EV, type EventExtra, FLAG } from './task-events.js';
import type { WriterLink } from './writer-link.js';

/** Sub-millisecond wall time: two state changes of one task rarely share a status timestamp. */
const TIME_ORIGIN = performance.timeOrigin;
const now = () => TIME_ORIGIN + performance.now();

/**
 * Turns the kernel's task state changes into events for the writer, which makes the rows Parsl's DFK and
 * database manager make between them: a `task` row at submit, a `try` row at each launch, its times and the
 * worker's at return, a `status` row per state (the worker's start and end become `running` and
 * `running_ended`), and `resource` rows from the worker's samples. Runs synchronously inside the kernel, so it
 * only stores numbers into the event buffer (strings as codes); the writer thread builds the rows.
 */
export class TaskRows implements KernelObserver {
  readonly executorMonitor: ExecutorMonitor;
  readonly #link: WriterLink;

  constructor(
    link: WriterLink,
    readonly workerSampling: number | null,
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
    const buf = this.#link.events;
    const o = buf.add();
    const ev = buf.events;
    const state = rec.state;
    ev[o + EV.task] = rec.id;
    ev[o + EV.try] = rec.tryId;
    ev[o + EV.state] = state;
    ev[o + EV.previous] = previous === null ? -1 : previous;
    ev[o + EV.time] = now();
    ev[o + EV.app] = buf.code(rec.app.name);
    let flags = 0;
    let extra: EventExtra | null = null;
    if (state === TaskState.pending && rec.tryId === 0 && rec.failCount === 0) {
      flags = FLAG.task;
      ev[o + EV.invoked] = rec.timeInvoked;
      ev[o + EV.memoize] = rec.app.cache ? 1 : 0;
      extra = taskExtra(rec);
    } else if (state === TaskState.launched) {
      flags = FLAG.try;
      ev[o + EV.executor] = buf.code(rec.executor?.label ?? (rec.fromMemo ? 'memo' : rec.app.kind));
    }
    if (worker !== null) {
      flags |= FLAG.worker;
      ev[o + EV.workerStarted] = worker.started;
      ev[o + EV.workerEnded] = worker.ended;
      ev[o + EV.host] = buf.code(worker.hostname);
      ev[o + EV.block] = worker.blockId === null ? -1 : buf.code(worker.blockId);
      if (worker.samples !== null && worker.samples.length > 0) {
        extra ??= {};
        extra.samples = worker.samples;
      }
    }
    const final =
      state === TaskState.exec_done ||
      state === TaskState.failed ||
      state === TaskState.dep_fail ||
      state === TaskState.memo_done;
    if (
      (final || state === TaskState.fail_retryable) &&
      (state !== TaskState.dep_fail || rec.executor !== null)
    ) {
      flags |= FLAG.tryEnd;
      if (rec.failures !== null) {
        extra ??= {};
        extra.failures = rec.failures.join(',');
      }
    }
    if (final) {
      flags |= FLAG.taskEnd;
      ev[o + EV.returned] = rec.timeReturned ?? Date.now();
      ev[o + EV.failCount] = rec.failCount;
      ev[o + EV.failCost] = rec.failCost;
      if (rec.hashsum !== null) {
        extra ??= {};
        extra.hashsum = rec.hashsum;
      }
    }
    ev[o + EV.flags] = flags;
    ev[o + EV.extra] = extra === null ? -1 : buf.extra(extra);
    this.#link.eventAdded();
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
}

/** The task row's strings, when it has any: Parsl's comma-joined dependency ids, app-to-app edges, paths. */
function taskExtra(rec: ObservedTask): EventExtra | null {
  const f = rec.future;
  let x: EventExtra | null = null;
  if (rec.deps !== null) {
    const ids: number[] = [];
    const edges: string[] = [];
    for (const d of rec.deps.futures) {
      const parent = appFutureOf(d);
      if (parent === null) continue;
      ids.push(parent.tid);
      const task = parent.task as Partial<ObservedTask>;
      edges.push(task.app?.name ?? '?', rec.app.name);
    }
    if (ids.length > 0) x = { depends: ids.join(','), edges };
  }
  if (f.stdout !== null) (x ??= {}).stdout = f.stdout;
  if (f.stderr !== null) (x ??= {}).stderr = f.stderr;
  if (f.outputs.length > 0) (x ??= {}).outputs = f.outputs.map((o) => o.filepath).join(',');
  return x;
}

function appFutureOf(f: Future<unknown>): AppFuture<unknown> | null {
  if (f instanceof AppFuture) return f;
  if (f instanceof DataFuture) return f.parent;
  return null;
}
