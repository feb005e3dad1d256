import { Socket } from 'node:net';
import { killRunningBashApps } from '../../execute/bash-exec.js';
import { ReceivedFunctions } from '../../execute/function-cache.js';
import { TaskLoop } from '../../execute/task-loop.js';
import { encodePipeMessage, pipeMessageReader, WORKER_FD } from './pipe-codec.js';
import { isManagerToWorker, type ManagerToWorker, splitBatch, type WorkerToManager } from './protocol.js';
import { openTask, resultBody } from './worker-codec.js';

/**
 * One worker process of a pool: the task loop (`execute/task-loop.ts`) over the framed pipe to its manager.
 * It reports the start of each task with a walltime, so the manager can kill it should the task outlive its
 * bound. It is the manager's child with an IPC channel, and exits as soon as that channel closes.
 */

const functions = new ReceivedFunctions();
const NO_BLOB: Buffer[] = [];
let output: Socket | null = null;
let outIds: number[] = [];
let outBufs: Buffer[] = [];

const loop = new TaskLoop(
  {
    collect(r) {
      outIds.push(r.id);
      outBufs.push(resultBody(r));
    },
    deliver(busyMs) {
      const lengths = outBufs.map((b) => b.length);
      const meta: Omit<Extract<WorkerToManager, { type: 'results' }>, 'blob'> = {
        type: 'results',
        ids: outIds,
        lengths,
        busyMs,
      };
      const bufs = outBufs;
      outIds = [];
      outBufs = [];
      output?.write(encodePipeMessage(meta, bufs));
    },
    started({ id, appName, kind }, walltimeMs) {
      const m: WorkerToManager = { type: 'started', id, appName, kind, walltimeMs };
      output?.write(encodePipeMessage(m, NO_BLOB));
    },
  },
  functions.loader,
);

function receive(m: ManagerToWorker): void {
  functions.add(m.functions);
  const bufs = splitBatch(m.lengths, m.blob);
  for (let i = 0; i < m.ids.length; i++)
    loop.push(openTask(m.ids[i]!, m.fnIds[i]!, bufs[i]!, functions, 'this worker'));
  loop.pump();
}

export function runWorker(): void {
  if (typeof process.send !== 'function') {
    process.stderr.write('parsl-ts htex worker: must be started by a worker pool (no IPC channel)\n');
    process.exit(2);
  }
  const onMessage = (m: unknown) => {
    if (isManagerToWorker(m)) receive(m);
    else process.stderr.write('parsl-ts htex worker: dropped a malformed message from the pool\n');
  };
  // Tasks arrive and results leave on WORKER_FD (framed, see pipe-codec.ts); the IPC channel only carries our
  // parent's lifetime ('disconnect').
  let pipe: Socket;
  try {
    pipe = new Socket({ fd: WORKER_FD, readable: true, writable: true });
  } catch (e) {
    process.stderr.write(`parsl-ts htex worker: no task pipe on fd ${WORKER_FD}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  output = pipe;
  pipe.on('error', () => {}); // EPIPE when the pool died; 'disconnect' ends us
  const reader = pipeMessageReader(onMessage, (why) =>
    process.stderr.write(`parsl-ts htex worker: dropped a message from the pool: ${why}\n`),
  );
  pipe.on('data', (d: Buffer) => reader.push(d));
  // The pool is our parent; when it dies (even by SIGKILL) the channel closes and we must not linger, nor leave
  // the bash apps we started (each in its own process group) behind. The pool stops us with SIGTERM.
  const leave = () => {
    killRunningBashApps();
    process.exit(0);
  };
  process.on('disconnect', leave);
  process.on('SIGTERM', leave);
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`parsl-ts htex worker: unhandled rejection in an app callback: ${String(e)}\n`);
  });
}

runWorker();
