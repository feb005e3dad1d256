/**
 * Monitoring: every task, try and state change of the run goes to runinfo/monitoring.db (Parsl's schema), which
 * `parsl.monitoringQueries` reads back. `node --import tsx examples/monitoring.ts`
 */
import { join } from 'node:path';
import * as parsl from 'parsl-ts';

const dfk = await parsl.load(new parsl.Config({ monitoring: new parsl.MonitoringHub() }));
const runId = dfk.runId;
try {
  const inc = parsl.app((x: number) => x + 1);
  const fail = parsl.app((): number => {
    throw new Error('on purpose');
  });
  await Promise.all(Array.from({ length: 10 }, (_, i) => inc(i)));
  await fail().exception();
} finally {
  await dfk.cleanup(); // flushes the database
}
const q = parsl.monitoringQueries;
const db = q.openForReading(join('runinfo', 'monitoring.db'));
try {
  const counts = q.stateCounts(db, runId);
  console.log(`monitoring.db holds this run's tasks by state: ${JSON.stringify(counts)}`);
} finally {
  db.close();
}
