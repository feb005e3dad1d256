/**
 * A bag of tasks: many independent calls of one app, submitted at once, their results gathered as they come.
 * `node --import tsx examples/bag-of-tasks.ts [tasks]`
 */
import * as parsl from 'parsl-ts';

const n = Number(process.argv[2] ?? 100);
const dfk = await parsl.load(); // a worker-thread pool, one thread per core
try {
  const square = parsl.app((x: number) => x * x);
  const futures = Array.from({ length: n }, (_, i) => square(i + 1));
  const results = await Promise.all(futures);
  console.log(`${n} independent tasks; sum of squares 1..${n} = ${results.reduce((a, b) => a + b, 0)}`);
} finally {
  await dfk.cleanup();
}
