/**
 * Entry of the monitoring writer thread: the only connection that writes the database. It opens the database
 * (answering 'ready' or 'failed'), writes every batch it receives in its own transaction, and on 'close'
 * analyzes, checkpoints the WAL and answers 'closed'. Blocking here (a reader's lock, a slow disk) never blocks
 * the kernel: batches wait in this thread's message queue.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWriter, ToWriter, WriterInit } from './rows.js';
import { MonitoringStore, openForWriting } from './store.js';

if (parentPort === null) throw new Error('parsl-ts: monitoring/writer-thread.js must run as a worker thread');
const port = parentPort;
const post = (m: FromWriter) => port.postMessage(m);
const init = workerData as WriterInit;
const counters = new Int32Array(init.counters);

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
