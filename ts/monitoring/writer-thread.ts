/**
 * Entry of the monitoring writer thread: the only connection that writes the database. It opens the database
 * (answering 'ready' or 'failed'), writes every batch it receives in its own transaction, and on 'close'
 * analyzes, checkpoints the WAL and answers 'closed'. Blocking here (a reader's lock, a slow disk) never blocks
 * the kernel: batches wait in this thread's message queue.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWriter, ToWriter, WriterInit } from './rows.js';
import { MonitoringStore, openForWriting } from './store.js';

if (parentPort === null) throw new Error('parsl-ts: monitoring/writer-thread.js must run as a worker thread');
const port = parentPort;
const post = (m: FromWriter) => port.postMessage(m);
const init = workerData as WriterInit;
const counters = new Int32Array(init.counters);

lowerPriority();

let store: MonitoringStore;
try {
  store = new MonitoringStore(openForWriting(init.path));
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
  process.exit(0);
}

port.on('message', (m: ToWriter) => {
  if (m.type === 'rows') {
    store.write(m.batch, () => {
      if (Atomics.add(counters, 0, 1) === 0) post({ type: 'busy' });
    });
  } else if (m.type === 'close') {
    store.close();
    post({ type: 'closed', rows: store.rows });
    port.close();
  }
});

/**
 * Monitoring observes and never steers: on a busy node the writer yields the CPU to the workflow's own threads
 * and catches up when they rest (rows wait in this thread's queue; none is dropped). Linux applies a nice value
 * to one thread when given its thread id. Where that is not possible the writer simply runs at normal priority.
 */
function lowerPriority(): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // not Linux
  }
  if (Number.isInteger(tid) && tid > 0) {
    try {
      setPriority(tid, 19);
    } catch {
      // A container may forbid it; priority is an optimisation only.
    }
  }
}
