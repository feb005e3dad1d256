/**
 * Hello, parsl-ts: apps, futures, dependencies, a bash app and a join app on the local default executor
 * (a worker-thread pool with one thread per core). Run: `npm run hello`.
 */
import * as parsl from 'parsl-ts';

const { app, bashApp, joinApp, File } = parsl;

const hello = app((name: string) => `Hello, ${name}, from a worker thread`);
const square = app((x: number) => x * x);
const sum = app((xs: number[]) => xs.reduce((a, b) => a + b, 0));
const echo = bashApp((msg: string, kw: parsl.AppKwargs) => `echo ${msg} > ${kw.outputs![0]}`);
const fib = joinApp(
  (n: number): parsl.AppFuture<number> => (n < 2 ? square(n) : sum([fib(n - 1), fib(n - 2)])),
);

const dfk = await parsl.load();
try {
  console.log(await hello('world'));
  // Futures are passed straight into other apps: the kernel waits for them.
  const squares = Array.from({ length: 10 }, (_, i) => square(i));
  console.log('sum of squares 0..9 =', await sum(squares));
  const out = echo('hello from bash', {
    outputs: [new File(`${dfk.runDir}/hello.txt`)],
    stdout: parsl.AUTO_LOGNAME,
  });
  const file = await out.outputs[0]!;
  console.log(`bash app wrote ${file.filepath}`);
  console.log('fib(10) via join apps =', await fib(10));
  console.log(`run directory: ${dfk.runDir}; task states:`, dfk.stateCounts());
} finally {
  await dfk.cleanup();
}
