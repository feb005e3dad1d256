/** A chain where each task needs the previous one's result: `node --import tsx examples/sequential.ts`. */
import * as parsl from 'parsl-ts';

const step = parsl.app((state: { i: number; value: number }) => ({
  i: state.i + 1,
  value: state.value * 1.5 + 1,
}));

const dfk = await parsl.load();
try {
  let f: parsl.AppFuture<{ i: number; value: number }> = step({ i: 0, value: 1 });
  for (let k = 1; k < 100; k++) f = step(f);
  const last = await f;
  console.log(`after ${last.i} steps: ${last.value.toExponential(4)}`);
} finally {
  await dfk.cleanup();
}
