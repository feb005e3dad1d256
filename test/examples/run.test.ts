import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { addonMissing } from '../helpers/mpi.js';
import { tempDir } from '../helpers/paths.js';
import { skipOrFail } from '../helpers/skip.js';

// The tsx loader by absolute URL: examples run from a scratch directory so their run dirs do not pile up here.
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

/**
 * Run an example as a user would, in `cwd`; it must print nothing on stderr and exit 0. Asynchronous, so the test
 * worker keeps answering vitest while an example runs (spawnSync blocked it past vitest's RPC timeout).
 */
async function runExample(file: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, resolve('examples', file), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 90_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const status = await new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return stdout;
}

// Examples are documentation: each one must run as a user would run it and print what it promises.
const cases: Array<[string, string[], RegExp]> = [
  ['hello.ts', [], /fib\(10\) via join apps = 55/],
  ['bag-of-tasks.ts', ['100'], /^100 independent tasks; sum of squares 1\.\.100 = 338350$/m],
  ['parallel.ts', [], /^fan-out of 10 tasks, fan-in total = 431$/m],
  ['sequential.ts', [], /after 100 steps/],
  ['map-reduce.ts', ['20'], /pi ≈ 3\.1\d* from 20 tasks/],
  [
    'routing.ts',
    [],
    /^cpu app ran in a worker thread\nio app ran in the main thread\nhtex app ran in another process: true$/m,
  ],
  ['stream.ts', ['10'], /^9592 primes below 100000, from 10 blocks of an endless stream/],
  ['files.ts', [], /sum of all parts: 20 /],
  ['join.ts', [], /fib\(15\) = 610/],
  ['htex.ts', [], /worker \d/],
  ['staging.ts', [], /fruit\/sorted.txt in .*results.zip: apple, fig, pear/],
  ['monitoring.ts', [], /^monitoring\.db holds this run's tasks by state: \{"exec_done":10,"failed":1\}$/m],
];

test.each(cases)('examples/%s runs', async (file, args, expected) => {
  const dir = tempDir();
  try {
    expect(await runExample(file, args, dir.path)).toMatch(expected);
  } finally {
    dir.remove();
  }
});

test('examples/checkpoint.ts resumes: a second run takes every result from the first run’s checkpoints', async () => {
  const dir = tempDir();
  try {
    expect(await runExample('checkpoint.ts', [], dir.path)).toMatch(
      /sum = 20540; 0 of 40 results came from checkpoints/,
    );
    expect(await runExample('checkpoint.ts', [], dir.path)).toMatch(
      /sum = 20540; 40 of 40 results came from checkpoints/,
    );
  } finally {
    dir.remove();
  }
});

const mpiCases: Array<[string, string[], RegExp]> = [
  ['mpi-app.ts', [], /^2-rank MPI app: ranks 0 1 answered\n4-rank MPI app: ranks 0 1 2 3 answered$/m],
  [
    'task-farm.ts',
    ['200'],
    /^200 tasks farmed out to an MPI job of 4 ranks \(all on worker ranks: true\); sum = 39800$/m,
  ],
];

test.for(mpiCases)('examples/%s runs with MPICH', async ([file, args, expected], ctx) => {
  skipOrFail(ctx, addonMissing('mpich'));
  const dir = tempDir();
  try {
    expect(await runExample(file, args, dir.path)).toMatch(expected);
  } finally {
    dir.remove();
  }
});
