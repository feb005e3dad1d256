import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileCopyException, LocalChannel } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { ChannelTimeout } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { groupAlive } from '../helpers/processes.js';

describe('LocalChannel', () => {
  test('execute returns exit code, stdout and stderr; never rejects on a non-zero exit', async () => {
    const ch = new LocalChannel();
    expect(await ch.execute('echo out; echo err >&2; exit 3')).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
  });

  test('runs in userhome with channel envs and per-call env', async () => {
    const dir = tempDir('lch').path;
    const ch = new LocalChannel({ userhome: dir, envs: { A: 'from-channel' } });
    const r = await ch.execute('pwd; echo "$A $B"', { env: { B: 'per call' } });
    expect(r.stdout).toBe(`${dir}\nfrom-channel per call\n`);
  });

  test('a command over its timeout is killed with its whole process group → ChannelTimeout', async () => {
    const dir = tempDir('lcht').path;
    const ch = new LocalChannel();
    const pidFile = join(dir, 'pgid');
    // The shell leads the command's process group; the background child belongs to it.
    const err = await ch
      .execute(`echo $$ > ${pidFile}; (sleep 30; echo survived) & sleep 30`, { timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelTimeout);
    const pgid = Number(await readFile(pidFile, 'utf8'));
    expect(pgid).toBeGreaterThan(1);
    await eventually(() => !groupAlive(pgid), {
      what: `process group ${pgid} (the background child too) to be gone`,
    });
  });

  test('push copies with mode 0700 into a created directory; pull copies back; makedirs/isdir', async () => {
    const dir = tempDir('lchf').path;
    const ch = new LocalChannel();
    const src = join(dir, 'a.txt');
    await writeFile(src, 'payload');
    const pushed = await ch.push(src, join(dir, 'remote/sub'));
    expect(pushed).toBe(join(dir, 'remote/sub/a.txt'));
    expect((await stat(pushed)).mode & 0o777).toBe(0o700);
    const pulled = await ch.pull(pushed, join(dir, 'back'));
    expect(await readFile(pulled, 'utf8')).toBe('payload');
    await ch.makedirs(join(dir, 'x/y'), { mode: 0o750 });
    expect(await ch.isdir(join(dir, 'x/y'))).toBe(true);
    expect(await ch.isdir(src)).toBe(false);
    await expect(ch.makedirs(join(dir, 'x/y'), { existOk: false })).rejects.toBeInstanceOf(FileCopyException);
    await expect(ch.push(join(dir, 'missing'), dir)).rejects.toBeInstanceOf(FileCopyException);
  });
});
