import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppTimeout,
  BadStateException,
  BashExitFailure,
  MissingOutputs,
  type ThreadPoolExecutor,
} from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorOf, makeTask, resultOf, run } from '../helpers/executors.js';
import { tempDir } from '../helpers/paths.js';
import { processesWith } from '../helpers/processes.js';
import { startPool } from './start-pool.js';

const cmd = (c: string) => c;
const unique = () => `${Math.floor(Math.random() * 1e6)}.${process.pid}`;

describe('bash apps on the thread pool', () => {
  let ex: ThreadPoolExecutor;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    ex = await startPool(2);
    dir = tempDir();
  });
  afterAll(async () => {
    await ex.shutdown();
    dir.remove();
  });

  const bash = (command: string, spec: Parameters<typeof makeTask>[1] = {}) =>
    run(ex, makeTask(cmd, { kind: 'bash', args: [command], ...spec }));

  test('exit 0 returns 0', async () => {
    expect(resultOf(await bash('true'))).toBe(0);
  });

  test.each([
    ['exit 15', 15],
    ['this-command-does-not-exist-parsl', 127],
    ['/dev/null', 126],
    ['echo $((5/0))', 1],
  ])('%s fails with BashExitFailure exitcode %i', async (command, code) => {
    const e = errorOf(await bash(command));
    expect(e).toBeInstanceOf(BashExitFailure);
    expect((e as BashExitFailure).exitcode).toBe(code);
  });

  test("stdout 'w' truncates, stdout/stderr 'a' append", async () => {
    const out = join(dir.path, 'out.txt');
    const err = join(dir.path, 'err.txt');
    writeFileSync(out, 'old\n');
    expect(resultOf(await bash('echo first', { bash: { stdout: { path: out, mode: 'w' } } }))).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('first\n');
    expect(resultOf(await bash('echo second', { bash: { stdout: { path: out, mode: 'a' } } }))).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('first\nsecond\n');
    for (const word of ['e1', 'e2']) {
      expect(resultOf(await bash(`echo ${word} >&2`, { bash: { stderr: { path: err, mode: 'a' } } }))).toBe(
        0,
      );
    }
    const errText = readFileSync(err, 'utf8');
    expect(errText).toMatch(/e1\n[\s\S]*e2\n/);
  });

  test('MissingOutputs names the file the command did not create', async () => {
    const made = join(dir.path, 'made.txt');
    const missing = join(dir.path, 'missing.txt');
    const e = errorOf(await bash(`touch ${made}`, { bash: { outputs: [made, missing] } }));
    expect(e).toBeInstanceOf(MissingOutputs);
    expect(e.message).toContain(missing);
    expect(e.message).not.toContain(made);
    expect(existsSync(made)).toBe(true);
  });

  test('walltime kills the whole process group: no sleep survives', async () => {
    const marker = `sleep 4${unique()}`;
    const e = errorOf(await bash(`${marker} & ${marker}; wait`, { walltimeMs: 500 }));
    expect(e).toBeInstanceOf(AppTimeout);
    await eventually(() => processesWith(marker).length === 0, { what: `no ${marker} left` });
  });
});

describe('shutdown with a bash app running', () => {
  test('kills its process group and fails the task', async () => {
    const ex = await startPool(1);
    const marker = `sleep 5${unique()}`;
    const running = run(ex, makeTask(cmd, { kind: 'bash', args: [`${marker} & ${marker}; wait`] }));
    await eventually(() => processesWith(marker).length >= 2, { what: 'bash -c and its two sleeps' });
    await ex.shutdown();
    expect(errorOf(await running)).toBeInstanceOf(BadStateException);
    await eventually(() => processesWith(marker).length === 0, { what: `no ${marker} left` });
  });
});
