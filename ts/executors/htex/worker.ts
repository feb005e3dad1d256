import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { runTask } from '../../execute/task-runner.js';
import type { ResultWire } from '../../execute/task-wire.js';
import { FunctionLoadError, SerializationError } from '../../serialize/errors.js';
import { type FunctionDescriptor, FunctionLoader } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { encodePipeMessage, pipeMessageReader, WORKER_FD } from './pipe-codec.js';
import { isManagerToWorker, type ManagerToWorker, splitBatch, type WorkerToManager } from './protocol.js';
import { decodeTaskBody, encodeResultBody } from './task-codec.js';

/**
 * One worker process of a pool: runs its tasks one at a time, in arrival order, and reports results in batches
 * (a batch closes when the local queue is empty, before waiting on an async task, or after 2 ms). It is the
 * manager's child with an IPC channel, and exits as soon as that channel closes (the manager died).
 */

const FLUSH_AFTER_MS = 2;

const loader = new FunctionLoader();
const functions = new Map<string, FunctionDescriptor>();
let queueIds: number[] = [];
let queueBufs: Buffer[] = [];
let queueFns: string[] = [];
let head = 0;
let running = false;

let outIds: number[] = [];
let outBufs: Buffer[] = [];
let busySince = 0;
let busyMs = 0;
let lastFlush = performance.now();
let output: Socket | null = null;

function receive(m: ManagerToWorker): void {
  for (const d of m.functions) {
    functions.set(d.id, d);
    try {
      if (d.kind === 'source' && d.source !== null) loader.compile(d);
    } catch {
      // The task that uses it fails with the compile error when it runs.
    }
  }
  const bufs = splitBatch(m.lengths, m.blob);
  for (let i = 0; i < m.ids.length; i++) {
    queueIds.push(m.ids[i]!);
    queueBufs.push(bufs[i]!);
    queueFns.push(m.fnIds[i]!);
  }
  if (!running) pump();
}

function pump(): void {
  if (!running) {
    running = true;
    busySince = performance.now();
  }
  while (head < queueIds.length) {
    const id = queueIds[head]!;
    const buf = queueBufs[head]!;
    const fnId = queueFns[head]!;
    head++;
    const r = start(id, fnId, buf);
    if (r instanceof Promise) {
      flush();
      r.then((res) => {
        collect(id, res);
        pump();
      });
      return;
    }
    collect(id, r);
    if (performance.now() - lastFlush > FLUSH_AFTER_MS) flush();
  }
  queueIds = [];
  queueBufs = [];
  queueFns = [];
  head = 0;
  running = false;
  flush();
}

function start(id: number, fnId: string, buf: Buffer): ResultWire | Promise<ResultWire> {
  const fn = functions.get(fnId);
  if (fn === undefined) {
    return {
      id,
      ok: false,
      error: toRemoteError(new FunctionLoadError(`function ${fnId} never reached this worker`)),
    };
  }
  try {
    return runTask(decodeTaskBody(id, fn, buf), loader);
  } catch (e) {
    return {
      id,
      ok: false,
      error: toRemoteError(
        new SerializationError(`task ${id} could not be decoded on the worker`, { cause: e }),
      ),
    };
  }
}

function collect(id: number, r: ResultWire): void {
  let buf: Buffer;
  try {
    buf = encodeResultBody(r);
  } catch (e) {
    const err = new SerializationError(
      `the result of task ${id} cannot be sent back (${(e as Error).message}); return plain data (numbers, strings, arrays, plain objects, Maps, Sets, typed arrays)`,
    );
    buf = encodeResultBody({ id, ok: false, error: toRemoteError(err) });
  }
  outIds.push(id);
  outBufs.push(buf);
}

function flush(): void {
  const now = performance.now();
  busyMs += now - busySince;
  busySince = now;
  lastFlush = now;
  if (outIds.length === 0) return;
  const lengths = outBufs.map((b) => b.length);
  const meta: Omit<WorkerToManager, 'blob'> = { type: 'results', ids: outIds, lengths, busyMs };
  const bufs = outBufs;
  outIds = [];
  outBufs = [];
  busyMs = 0;
  output?.write(encodePipeMessage(meta, bufs));
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
  // The pool is our parent; when it dies (even by SIGKILL) the channel closes and we must not linger.
  process.on('disconnect', () => process.exit(0));
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`parsl-ts htex worker: unhandled rejection in an app callback: ${String(e)}\n`);
  });
}

runWorker();
