/**
 * Files between bash apps: each app's outputs are DataFutures the next app takes as inputs.
 * `node --import tsx examples/files.ts`
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';

const { bashApp, File } = parsl;
const generate = bashApp((i: number, kw: parsl.AppKwargs) => `seq 1 ${i} > ${kw.outputs![0]}`);
const concat = bashApp((kw: parsl.AppKwargs) => `cat ${(kw.inputs as File[]).join(' ')} > ${kw.outputs![0]}`);
const total = bashApp(
  (kw: parsl.AppKwargs) => `awk '{s+=$1} END {print s}' ${(kw.inputs as File[])[0]} > ${kw.outputs![0]}`,
);

const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-files-'));
const dfk = await parsl.load();
try {
  const parts = [1, 2, 3, 4].map(
    (i) => generate(i, { outputs: [new File(join(dir, `part${i}.txt`))] }).outputs[0]!,
  );
  const all = concat({ inputs: parts, outputs: [new File(join(dir, 'all.txt'))] });
  const sum = total({
    inputs: [all.outputs[0]],
    outputs: [new File(join(dir, 'sum.txt'))],
    stdout: parsl.AUTO_LOGNAME,
  });
  const out = await sum.outputs[0]!;
  console.log(`sum of all parts: ${readFileSync(out.filepath, 'utf8').trim()} (in ${out.filepath})`);
} finally {
  await dfk.cleanup();
}
