/**
 * Entry of one pool thread: the task loop (`execute/task-loop.ts`) over structured-clone messages. Each task
 * is claimed through the start control before it starts (the pool may have taken it back for another
 * thread), and the start of a task with a walltime is reported so the pool can arm its backstop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeValue } from '../../describe.js';
import { killRunningBashApps } from '../../execute/bash-exec.js';
import { TaskLoop } from '../../execute/task-loop.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { SerializationError } from '../../serialize/errors.js';
import { type FunctionDescriptor, FunctionLoader } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './protocol.js';
import { TaskClaimer } from './start-control.js';

if (parentPort === null) throw new Error('parsl-ts: threads/worker.js must be started as a worker thread');
const port = parentPort;
const claimer = new TaskClaimer((workerData as WorkerInit).startControl, () => post({ type: 'revoked' }));
const loader = new FunctionLoader();
/** Ordinals count every task received, revoked ones included, exactly as the pool numbers them. */
let ordinal = 0;
let results: ResultWire[] = [];
let names: string[] = [];
/** Start and end of each collected result (see `times` in the protocol); `timed` once one has them. */
let times: number[] = [];
let timed = false;
/**
 * Function sources that arrived with revoked tasks. The pool counts them as delivered to this thread, so later
 * tasks refer to them by id only.
 */
const revokedSources = new Map<string, FunctionDescriptor>();

const loop = new TaskLoop(
  {
    claim(w) {
      if (!claimer.claim(++ordinal)) {
        if (w.fn.kind === 'source' && w.fn.source !== null) revokedSources.set(w.fn.id, w.fn);
        return null;
      }
      return revokedSources.size === 0 ? w : withRevokedSource(w);
    },
    collect(r, w) {
      const report = r.worker;
      if (report === undefined) {
        results.push(r);
        times.push(Number.NaN, Number.NaN);
      } else {
        results.push(r.ok ? { id: r.id, ok: true, value: r.value } : { id: r.id, ok: false, error: r.error });
        times.push(report.started, report.ended);
        timed = true;
      }
      names.push(w?.appName ?? '');
    },
    deliver(busyMs) {
      const batch = results;
      const batchNames = names;
      const batchTimes = timed ? new Float64Array(times) : undefined;
      results = [];
      names = [];
      times = [];
      timed = false;
      try {
        post({ type: 'results', results: batch, busyMs, times: batchTimes });
      } catch {
        // Some result cannot be cloned: send them one by one so only the culprit fails.
        for (let i = 0; i < batch.length; i++) {
          postOne(
            batch[i]!,
            batchNames[i]!,
            i === 0 ? busyMs : 0,
            batchTimes?.subarray(2 * i, 2 * i + 2).slice(),
          );
        }
      }
    },
    started: () => post({ type: 'started', ordinal }),
  },
  loader,
  // The pool sizes each batch by the tasks' observed duration: one results message per batch is enough.
  Number.POSITIVE_INFINITY,
);

port.on('message', (m: PoolToWorker) => {
  if (m.type === 'tasks') {
    for (const t of m.tasks) loop.push(t);
    loop.pump();
  } else if (m.type === 'stop') {
    killRunningBashApps();
    process.exit(0);
  }
});

// process.exit() or an uncaught error inside a task: report what finished and leave no bash process behind.
process.on('exit', () => {
  killRunningBashApps();
  loop.flush();
});

function withRevokedSource(w: TaskWire): TaskWire {
  if (w.fn.kind !== 'source' || w.fn.source !== null || loader.has(w.fn.id)) return w;
  const fn = revokedSources.get(w.fn.id);
  return fn === undefined ? w : { ...w, fn };
}

function postOne(r: ResultWire, appName: string, busyMs: number, times: Float64Array | undefined): void {
  try {
    post({ type: 'results', results: [r], busyMs, times });
  } catch (e) {
    const value = r.ok ? r.value : undefined;
    const err = new SerializationError(
      `the result of app ${appName} (${describeValue(value)}) cannot be sent back from its worker thread: ${(e as Error).message} Return structured-cloneable data (no functions, symbols or class instances holding them).`,
      { cause: e },
    );
    post({ type: 'results', results: [{ id: r.id, ok: false, error: toRemoteError(err) }], busyMs, times });
  }
}

function post(m: WorkerToPool): void {
  port.postMessage(m);
}
