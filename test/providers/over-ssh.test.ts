/** Providers driving a real Slurm and plain hosts through SSHChannel to a real sshd on 127.0.0.1. */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdHocProvider, JobState, ScaleOutFailed, SlurmProvider, SSHChannel } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { isAlive } from '../helpers/processes.js';
import { SERVICES_BASE, type Service, startService, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

const SSH_BASE = `${SERVICES_BASE}/sshd-providers`;
const PORT = 2223;
let sshd: Service;
let slurm: Service;
const channels: SSHChannel[] = [];

function ssh(scriptDir: string, envs: Record<string, string> = {}): SSHChannel {
  const ch = new SSHChannel({
    hostname: '127.0.0.1',
    port: PORT,
    username: 'root',
    keyFilename: `${SSH_BASE}/client_ed25519`,
    knownHosts: `${SSH_BASE}/known_hosts`,
    scriptDir,
    envs,
  });
  channels.push(ch);
  return ch;
}

beforeAll(async () => {
  [sshd, slurm] = await Promise.all([
    startService('sshd', { BASE: SSH_BASE, PORT: String(PORT) }),
    startSlurm('slurm-ssh', 26847),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all(channels.map((c) => c.close()));
  await Promise.all([sshd?.stop(), slurm?.stop()]);
});

describe('SlurmProvider over SSHChannel', () => {
  test('pushes the script to the channel’s scriptDir, submits with sbatch over ssh, the job runs', async (ctx) => {
    skipOrFail(ctx, sshd.missing, slurm.missing);
    const local = tempDir('ssh-slurm-local').path;
    const remote = tempDir('ssh-slurm-remote').path;
    const out = tempDir('ssh-slurm-out').path;
    const p = new SlurmProvider({
      channel: ssh(remote, { SLURM_CONF: slurm.env.SLURM_CONF as string }),
      scriptDir: local,
      exclusive: false,
    });
    const id = await p.submit(`touch ${out}/ran-$SLURM_PROCID`, 1, 'block-ssh');
    expect((await readdir(local)).some((f) => f.startsWith('block-ssh.'))).toBe(true);
    expect((await readdir(remote)).some((f) => f.startsWith('block-ssh.') && f.endsWith('.submit'))).toBe(
      true,
    );
    const s = await eventually(
      async () => {
        const [st] = await p.status([id]);
        return st?.terminal ? st : undefined;
      },
      { what: `job ${id} to end`, timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(JobState[s.state]).toBe('COMPLETED');
    expect(s.stdoutPath?.startsWith(remote)).toBe(true);
    expect(await readdir(out)).toEqual(['ran-0']);
  });
});

describe('AdHocProvider over SSH', () => {
  test('one block per channel: blocks run, a third is refused, cancel kills the block’s process group', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const dirs = [tempDir('adhoc-a').path, tempDir('adhoc-b').path];
    const marks = tempDir('adhoc-marks').path;
    const p = new AdHocProvider({
      channels: dirs.map((d) => ssh(d)),
      scriptDir: tempDir('adhoc-local').path,
      workerInit: 'export ADHOC=1',
    });
    expect([p.initBlocks, p.minBlocks, p.maxBlocks]).toEqual([2, 2, 2]);
    const a = await p.submit(`echo $$ > ${marks}/a.pid; sleep 300`, 1, 'block-a');
    const b = await p.submit(`echo $ADHOC > ${marks}/b; sleep 300`, 1, 'block-b');
    await expect(p.submit('true', 1, 'block-c')).rejects.toBeInstanceOf(ScaleOutFailed);
    expect((await p.status([a, b])).map((s) => JobState[s.state])).toEqual(['RUNNING', 'RUNNING']);
    expect(
      await eventually(() => readFile(join(marks, 'b'), 'utf8'), { what: 'block b to write its mark' }),
    ).toBe('1\n');
    const pidA = Number(
      await eventually(() => readFile(join(marks, 'a.pid'), 'utf8'), { what: 'block a to start' }),
    );
    expect(await p.cancel([a])).toEqual([true]);
    expect((await p.status([a]))[0]!.state).toBe(JobState.CANCELLED);
    await eventually(() => !isAlive(pidA), { what: 'block a to die' });
    // The freed channel takes the next block; a block whose process ends is FAILED (Parsl's AdHoc rule).
    const c = await p.submit('true', 1, 'block-c');
    const s = await eventually(
      async () => {
        const [st] = await p.status([c]);
        return st?.terminal && st;
      },
      { what: `block ${c} to end` },
    );
    expect(JobState[s.state]).toBe('FAILED');
    expect(await p.cancel([b])).toEqual([true]);
    await mkdir(marks, { recursive: true });
  });
});
