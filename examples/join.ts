/** Join apps: a task that launches more tasks and finishes with their results. `node --import tsx examples/join.ts` */
import * as parsl from 'parsl-ts';

const leaf = parsl.app((x: number) => x);
const add = parsl.app((a: number, b: number) => a + b);
const fib = parsl.joinApp(
  (n: number): parsl.AppFuture<number> => (n < 2 ? leaf(n) : add(fib(n - 1), fib(n - 2))),
);
const fanOut = parsl.joinApp((n: number) => Array.from({ length: n }, (_, i) => fib(i)));

const dfk = await parsl.load();
try {
  console.log('fib(15) =', await fib(15));
  console.log('fib(0..10) =', (await fanOut(11)).join(' '));
} finally {
  await dfk.cleanup();
}
