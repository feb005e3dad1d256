/**
 * Entry of the monitoring writer thread: the only connection that writes the database. It opens the database
 * (answering 'ready' or 'failed'), writes what it has received in one transaction at a time, and on 'close'
 * writes the rest, analyzes, checkpoints the WAL and answers 'closed'. Blocking here (a reader's lock, a slow
 * disk) never blocks the kernel: batches wait in this thread's queue.
 *
 * The writer paces itself while the workflow runs (`pacing.ts`): one chunk of events at a time, and after a
 * write that took w ms it rests w × (1 / share − 1). A workflow of ordinary tasks is written as it goes (a
 * batch of 100 ms of events takes a few ms); a flood of very short tasks outruns any SQLite writer, and then
 * monitoring waits instead of taking the cores from the workflow.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { EventRows } from './event-rows.js';
import { EVENTS_PER_WRITE, nextWriteLimit, restAfter } from './pacing.js';
import { appendBatch, type FromWriter, type RowBatch, type ToWriter, type WriterInit } from './rows.js';
import { MonitoringStore, openForWriting } from './store.js';

if (parentPort === null) throw new Error('parsl-ts: monitoring/writer-thread.js must run as a worker thread');
const port = parentPort;
const post = (m: FromWriter) => port.postMessage(m);
const init = workerData as WriterInit;
const counters = new Int32Array(init.counters);
const events = new EventRows(init.samplingInterval);

lowerPriority();

let store: MonitoringStore;
try {
  store = new MonitoringStore(openForWriting(init.path));
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
  process.exit(0);
}

const queue: Extract<ToWriter, { type: 'rows' }>[] = [];
let queuedEvents = 0;
let nextWrite = 0;
let timer: NodeJS.Timeout | null = null;

port.on('message', (m: ToWriter) => {
  if (m.type === 'rows') {
    queue.push(m);
    queuedEvents += m.events?.count ?? 0;
    schedule();
  } else if (m.type === 'close') {
    if (timer !== null) clearTimeout(timer);
    while (queue.length > 0) writeSome(EVENTS_PER_WRITE);
    store.close();
    post({ type: 'closed', rows: store.rows });
    port.close();
  }
});

function schedule(): void {
  if (timer !== null || queue.length === 0) return;
  const { paced } = nextWriteLimit(queuedEvents);
  timer = setTimeout(
    () => {
      timer = null;
      const t0 = performance.now();
      writeSome(nextWriteLimit(queuedEvents).limit);
      const t1 = performance.now();
      nextWrite = t1 + restAfter(t1 - t0, queuedEvents);
      schedule();
    },
    paced ? Math.max(0, nextWrite - performance.now()) : 0,
  );
}

/** Merge the oldest queued batches, up to `limit` task events (one batch at least), into one transaction. */
function writeSome(limit: number): void {
  let batch: RowBatch | null = null;
  let n = 0;
  while (queue.length > 0 && (n === 0 || n + (queue[0]!.events?.count ?? 0) <= limit)) {
    const m = queue.shift()!;
    if (batch === null) batch = m.batch;
    else appendBatch(batch, m.batch);
    if (m.events !== null) {
      events.append(m.events, batch);
      n += m.events.count;
    }
  }
  queuedEvents -= n;
  if (batch === null) return;
  store.write(batch, () => {
    if (Atomics.add(counters, 0, 1) === 0) post({ type: 'busy' });
  });
}

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
