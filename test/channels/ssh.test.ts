import { execFile, spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AuthException,
  BadHostKeyException,
  OAuthSSHChannel,
  SSHChannel,
  SSHInteractiveLoginChannel,
} from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChannelTimeout } from '#internal';
import { tempDir } from '../helpers/paths.js';
import { SERVICES_BASE, type Service, startService } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';
import { type PasswordServer, startPasswordServer } from '../stand-ins/password-ssh-server.js';

const run = promisify(execFile);
const BASE = `${SERVICES_BASE}/sshd-channels`;
const PORT = 2222;
let sshd: Service;
const opened: SSHChannel[] = [];

function channel(extra: Partial<ConstructorParameters<typeof SSHChannel>[0]> = {}): SSHChannel {
  const ch = new SSHChannel({
    hostname: '127.0.0.1',
    port: PORT,
    username: 'root',
    keyFilename: `${BASE}/client_ed25519`,
    knownHosts: `${BASE}/known_hosts`,
    ...extra,
  });
  opened.push(ch);
  return ch;
}

/** The test sshd's host key fingerprint, as `ssh-keygen -l` prints it. */
async function hostFingerprint(): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-f', `${BASE}/host_ed25519.pub`]);
  return stdout.split(' ')[1]!;
}

beforeAll(async () => {
  sshd = await startService('sshd', { BASE, PORT: String(PORT) });
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
  await sshd?.stop();
});

describe('SSHChannel against a real sshd on 127.0.0.1', () => {
  test('runs commands: exit code, stdout, stderr, envs; one connection for many commands', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const ch = channel({ envs: { FROM_CHANNEL: 'a b' } });
    const r = await ch.execute('echo "$FROM_CHANNEL|$PER_CALL"; echo oops >&2; exit 4', {
      env: { PER_CALL: "it's" },
    });
    expect(r).toEqual({ exitCode: 4, stdout: "a b|it's\n", stderr: 'oops\n' });
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => ch.execute(`echo ${i}`)));
    expect(many.map((m) => m.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  test('push (SFTP, mode 0700, directory created), pull, makedirs, isdir', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const ch = channel();
    const local = tempDir('sshfiles').path;
    const src = join(local, 'script.sh');
    await writeFile(src, '#!/bin/bash\necho pushed\n');
    const remoteDir = join(local, 'remote/a/b');
    const pushed = await ch.push(src, remoteDir);
    expect(pushed).toBe(join(remoteDir, 'script.sh'));
    expect((await stat(pushed)).mode & 0o777).toBe(0o700);
    expect((await ch.execute(`bash ${pushed}`)).stdout).toBe('pushed\n');
    const pulled = await ch.pull(pushed, join(local, 'back'));
    expect(await readFile(pulled, 'utf8')).toContain('echo pushed');
    await ch.makedirs(join(local, 'made/x'));
    expect(await ch.isdir(join(local, 'made/x'))).toBe(true);
    expect(await ch.isdir(src)).toBe(false);
    expect(await ch.isdir(join(local, 'nope'))).toBe(false);
  });

  test('relative remote paths are under the remote home', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const ch = channel();
    const home = (await ch.execute('echo $HOME')).stdout.trim();
    const local = tempDir('sshrel').path;
    await writeFile(join(local, 'f.txt'), 'x');
    expect(await ch.push(join(local, 'f.txt'), '.parsl-ts-test')).toBe(`${home}/.parsl-ts-test/f.txt`);
    await ch.execute('rm -rf ~/.parsl-ts-test');
  });

  test('a command over its timeout → ChannelTimeout; the channel keeps working', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const ch = channel();
    await expect(ch.execute('sleep 20', { timeoutMs: 500 })).rejects.toBeInstanceOf(ChannelTimeout);
    expect((await ch.execute('echo still')).stdout).toBe('still\n');
  });

  test('unknown host key → BadHostKeyException; acceptNew records it; a changed key is refused', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const dir = tempDir('khosts').path;
    const empty = join(dir, 'known_hosts');
    const unknown = await channel({ knownHosts: empty })
      .execute('true')
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(BadHostKeyException);
    // The fingerprint as OpenSSH prints it, so it can be compared with what the host's administrator publishes.
    const fp = await hostFingerprint();
    expect((unknown as BadHostKeyException).fingerprint).toBe(fp);
    expect((unknown as Error).message).toContain(`the server offered the ssh-ed25519 key ${fp}`);
    expect((unknown as Error).message).toContain(`ssh-keyscan -p ${PORT} 127.0.0.1 >> ${empty}`);
    expect((unknown as Error).message).toContain("hostKeyPolicy: 'acceptNew'");
    expect((await channel({ knownHosts: empty, hostKeyPolicy: 'acceptNew' }).execute('echo ok')).stdout).toBe(
      'ok\n',
    );
    expect(await readFile(empty, 'utf8')).toMatch(/^\[127\.0\.0\.1\]:2222 ssh-ed25519 /);
    expect((await channel({ knownHosts: empty }).execute('echo again')).stdout).toBe('again\n');
    // Another ed25519 key under the same name: a possible man in the middle.
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    const other = (await readFile(join(dir, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    const changed = join(dir, 'changed');
    await writeFile(changed, `[127.0.0.1]:2222 ${other}\n`);
    const err = await channel({ knownHosts: changed, hostKeyPolicy: 'acceptNew' })
      .execute('true')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadHostKeyException);
    expect((err as Error).message).toMatch(/differs/);
    expect((err as Error).message).toContain(await hostFingerprint());
    expect(await readFile(changed, 'utf8')).toBe(`[127.0.0.1]:2222 ${other}\n`);
  });

  test('by default the key is checked against ~/.ssh/known_hosts: an unknown host is refused', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const home = tempDir('home').path;
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const err = await channel({ knownHosts: undefined })
        .execute('true')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadHostKeyException);
      expect((err as Error).message).toContain(`is not in ${join(home, '.ssh', 'known_hosts')}`);
      expect((err as BadHostKeyException).fingerprint).toBe(await hostFingerprint());
    } finally {
      process.env.HOME = saved;
    }
  });

  test('hashed known_hosts entries (ssh-keygen -H) are understood', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const dir = tempDir('khash').path;
    const file = join(dir, 'known_hosts');
    await writeFile(file, await readFile(`${BASE}/known_hosts`));
    await run('ssh-keygen', ['-H', '-f', file]);
    expect(await readFile(file, 'utf8')).toMatch(/^\|1\|/);
    expect((await channel({ knownHosts: file }).execute('echo hashed')).stdout).toBe('hashed\n');
  });

  test('a key the server does not accept → AuthException', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const dir = tempDir('badkey').path;
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    await expect(channel({ keyFilename: join(dir, 'k'), agent: '' }).execute('true')).rejects.toBeInstanceOf(
      AuthException,
    );
  });

  test('ssh-agent authentication', async (ctx) => {
    skipOrFail(ctx, sshd.missing);
    const dir = tempDir('agent').path;
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50; i++) {
        if (
          await stat(sock).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await run('ssh-add', [`${BASE}/client_ed25519`], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      const ch = channel({ keyFilename: undefined, agent: sock });
      expect((await ch.execute('echo via-agent')).stdout).toBe('via-agent\n');
    } finally {
      agent.kill('SIGTERM');
    }
  });
});

describe('password logins (in-process ssh2 server standing in for an OAuth-SSH service)', () => {
  let server: PasswordServer;
  let knownHosts = '';
  beforeAll(async () => {
    const dir = tempDir('pwserver').path;
    server = await startPasswordServer(dir, 'secret-token');
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${server.knownHostsLine}\n`);
  });
  afterAll(async () => {
    // The server's close() waits for its connections: close the channels first.
    await Promise.all(opened.splice(0).map((c) => c.close().catch(() => undefined)));
    await server?.close();
  });

  test('OAuthSSHChannel sends the token as the password', async () => {
    const ch = new OAuthSSHChannel({
      hostname: '127.0.0.1',
      port: server.port,
      username: 'u',
      knownHosts,
      token: 'secret-token',
      agent: '',
    });
    opened.push(ch);
    expect((await ch.execute('echo token-ok')).stdout).toBe('token-ok\n');
    expect(server.attempts).toContain('secret-token');
  });

  test('OAuthSSHChannel with a tokenProvider, and a wrong token → AuthException', async () => {
    const good = new OAuthSSHChannel({
      hostname: '127.0.0.1',
      port: server.port,
      knownHosts,
      agent: '',
      tokenProvider: async (host) => (host === '127.0.0.1' ? 'secret-token' : 'x'),
    });
    const bad = new OAuthSSHChannel({
      hostname: '127.0.0.1',
      port: server.port,
      knownHosts,
      agent: '',
      token: 'expired',
    });
    opened.push(good, bad);
    expect((await good.execute('echo provided')).stdout).toBe('provided\n');
    await expect(bad.execute('true')).rejects.toBeInstanceOf(AuthException);
  });

  test('SSHInteractiveLoginChannel asks once for the password', async () => {
    const questions: string[] = [];
    const ch = new SSHInteractiveLoginChannel({
      hostname: '127.0.0.1',
      port: server.port,
      username: 'alice',
      knownHosts,
      agent: '',
      prompt: async (q) => {
        questions.push(q);
        return 'secret-token';
      },
    });
    opened.push(ch);
    expect((await ch.execute('echo typed')).stdout).toBe('typed\n');
    expect((await ch.execute('echo twice')).stdout).toBe('twice\n');
    expect(questions).toEqual(['Enter password for alice@127.0.0.1: ']);
  });
});
