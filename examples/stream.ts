/**
 * An endless stream of tasks in flat memory: `node --import tsx examples/stream.ts [blocks]`.
 * parsl.map reads the generator only as fast as results come back (at most `window` items ahead), and `break`
 * stops it: the loop ends once the tasks still in flight have finished.
 */
import * as parsl from 'parsl-ts';

const wanted = Number(process.argv[2] ?? 200);
const BLOCK = 10_000;

/** How many primes lie in [start, start + size). */
const countPrimes = parsl.app((start: number, size: number) => {
  let n = 0;
  for (let k = Math.max(start, 2); k < start + size; k++) {
    let prime = true;
    for (let d = 2; d * d <= k; d++) {
      if (k % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) n++;
  }
  return n;
});

function* blocks(): Generator<number> {
  for (let start = 0; ; start += BLOCK) yield start;
}

const dfk = await parsl.load();
try {
  let done = 0;
  let primes = 0;
  for await (const n of parsl.map((start: number) => countPrimes(start, BLOCK), blocks(), { window: 8 })) {
    primes += n;
    if (++done === wanted) break;
  }
  console.log(`${primes} primes below ${done * BLOCK}, from ${done} blocks of an endless stream`);
  console.log(`tasks submitted: ${dfk.taskCount} (at most ${wanted} + the window of 8)`);
} finally {
  await dfk.cleanup();
}
