/**
 * Entry of one pool thread. It runs the tasks it receives one at a time, in order (an async task occupies the
 * thread until it settles, so `maxThreads` bounds concurrency), and answers with batches of results: one
 * message per incoming batch of synchronous tasks, plus a flush before each wait on an async task.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { describeValue } from '../../describe.js';
import { killRunningBashApps } from '../../execute/bash-exec.js';
import { runTask } from '../../execute/task-runner.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { SerializationError } from '../../serialize/errors.js';
import { type FunctionDescriptor, FunctionLoader } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { Deque } from './deque.js';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './protocol.js';
import { TaskClaimer } from './start-control.js';

if (parentPort === null) throw new Error('parsl-ts: threads/worker.js must be started as a worker thread');
const port = parentPort;
const claimer = new TaskClaimer((workerData as WorkerInit).startControl);
const loader = new FunctionLoader();

const queue = new Deque<TaskWire>();
let pendingResults: ResultWire[] = [];
let pendingNames: string[] = [];
let busySince = 0;
let running = false;
let ordinal = 0;

port.on('message', (m: PoolToWorker) => {
  if (m.type === 'tasks') {
    for (const t of m.tasks) queue.push(t);
    if (!running) {
      busySince = performance.now();
      drain();
    }
  } else if (m.type === 'stop') {
    killRunningBashApps();
    process.exit(0);
  }
});

// process.exit() or an uncaught error inside a task: report what finished and leave no bash process behind.
process.on('exit', () => {
  killRunningBashApps();
  flush();
});

/** Run queued tasks until the queue is empty or an async task must be awaited. */
function drain(): void {
  running = true;
  for (let w = queue.shift(); w !== undefined; w = queue.shift()) {
    // Ordinals count every task received, revoked ones included, exactly as the pool numbers them.
    if (!claimer.claim(++ordinal)) {
      keepSource(w);
      continue;
    }
    const r = start(w);
    if (r instanceof Promise) {
      flush();
      r.then(
        (res) => record(res, w.appName),
        (e: unknown) => record({ id: w.id, ok: false, error: toRemoteError(e) }, w.appName),
      ).then(drain);
      return;
    }
    record(r, w.appName);
  }
  running = false;
  flush();
}

/**
 * Function sources that arrived with revoked tasks. The pool counts them as delivered to this thread, so later
 * tasks refer to them by id only.
 */
const revokedSources = new Map<string, FunctionDescriptor>();

function keepSource(w: TaskWire): void {
  if (w.fn.kind === 'source' && w.fn.source !== null) revokedSources.set(w.fn.id, w.fn);
}

function start(w: TaskWire): ResultWire | Promise<ResultWire> {
  if (revokedSources.size !== 0 && w.fn.kind === 'source' && w.fn.source === null && !loader.has(w.fn.id)) {
    const fn = revokedSources.get(w.fn.id);
    if (fn !== undefined) w = { ...w, fn };
  }
  if (w.walltimeMs === null) return runTask(w, loader);
  // The pool times the task from here. A synchronous JS app cannot be interrupted inside its thread, so for
  // JS the pool alone enforces the walltime (terminating this thread); bash apps are killed by the runner and
  // the pool only keeps a backstop.
  flush();
  post({ type: 'started', ordinal });
  return runTask(w.kind === 'js' ? { ...w, walltimeMs: null } : w, loader);
}

function record(r: ResultWire, appName: string): void {
  pendingResults.push(r);
  pendingNames.push(appName);
}

function flush(): void {
  if (pendingResults.length === 0) return;
  const results = pendingResults;
  const names = pendingNames;
  pendingResults = [];
  pendingNames = [];
  const now = performance.now();
  const busyMs = now - busySince;
  busySince = now;
  try {
    port.postMessage({ type: 'results', results, busyMs } satisfies WorkerToPool);
  } catch {
    // Some result cannot be cloned: send them one by one so only the culprit fails.
    for (let i = 0; i < results.length; i++) postOne(results[i]!, names[i]!, i === 0 ? busyMs : 0);
  }
}

function postOne(r: ResultWire, appName: string, busyMs: number): void {
  try {
    port.postMessage({ type: 'results', results: [r], busyMs } satisfies WorkerToPool);
  } catch (e) {
    const value = r.ok ? r.value : undefined;
    const err = new SerializationError(
      `the result of app ${appName} (${describeValue(value)}) cannot be sent back from its worker thread: ${(e as Error).message} Return structured-cloneable data (no functions, symbols or class instances holding them).`,
      { cause: e },
    );
    port.postMessage({
      type: 'results',
      results: [{ id: r.id, ok: false, error: toRemoteError(err) }],
      busyMs,
    } satisfies WorkerToPool);
  }
}

function post(m: WorkerToPool): void {
  port.postMessage(m);
}
