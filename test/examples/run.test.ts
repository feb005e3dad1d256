import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

// The tsx loader by absolute URL: examples run from a scratch directory so their run dirs do not pile up here.
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

// Examples are documentation: each one must run as a user would run it and print what it promises.
const cases: Array<[string, string[], RegExp]> = [
  ['hello.ts', [], /fib\(10\) via join apps = 55/],
  ['map-reduce.ts', ['20'], /pi ≈ 3\.1\d* from 20 tasks/],
  ['stream.ts', ['10'], /^9592 primes below 100000, from 10 blocks of an endless stream/],
  ['sequential.ts', [], /after 100 steps/],
  ['files.ts', [], /sum of all parts: 20 /],
  ['join.ts', [], /fib\(15\) = 610/],
  ['checkpoint.ts', [], /sum = 20540; 0 of 40 results came from checkpoints/],
  ['htex.ts', [], /worker \d/],
  ['staging.ts', [], /fruit\/sorted.txt in .*results.zip: apple, fig, pear/],
];

test.each(cases)('examples/%s runs', (file, args, expected) => {
  const dir = tempDir();
  try {
    const r = spawnSync(process.execPath, ['--import', TSX, resolve('examples', file), ...args], {
      cwd: dir.path,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(expected);
    expect(r.status).toBe(0);
  } finally {
    dir.remove();
  }
});
