/** Map a function over many inputs in parallel, then reduce: `node --import tsx examples/map-reduce.ts [n]`. */
import * as parsl from 'parsl-ts';

const n = Number(process.argv[2] ?? 1000);
const estimatePi = parsl.app((samples: number) => {
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
});
const total = parsl.app((counts: number[]) => counts.reduce((a, b) => a + b, 0));

const dfk = await parsl.load();
try {
  const samples = 100_000;
  const counts = Array.from({ length: n }, () => estimatePi(samples));
  const inside = await total(counts);
  console.log(`pi ≈ ${((4 * inside) / (n * samples)).toFixed(5)} from ${n} tasks`);
} finally {
  await dfk.cleanup();
}
