/**
 * No secret in a log or an error message: a workflow run with passwords, a token, a passphrase, a secret
 * environment variable and cloud credentials, then its run directory and its whole output are searched for them.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OAuthSSHChannel, ParslError, SSHChannel } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI_MAIN, REDACTED, redact, registerSecret } from '#internal';
import { REPO, tempDir } from '../helpers/paths.js';
import { type PasswordServer, startPasswordServer } from '../stand-ins/password-ssh-server.js';

const SECRETS = {
  TOKEN: 'tok-3f9a7c1e5b2d4068',
  PASSWORD: 'pw-wrong-7d1c9e33',
  PASSPHRASE: 'pp-4a8b2c6d0e1f',
  ENV_TOKEN: 'globus-AgV7xq9Lm2pR',
  AWS_SECRET: 'wJalrXUtnFEMI-K7MDENG-bPxRfiCY',
  NUMERIC_PASSPHRASE: '20261207',
};

/** Every regular file below `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('a run that used secrets', () => {
  let server: PasswordServer;
  let dir: string;
  let out: { code: number | null; stdout: string; stderr: string };
  let keyLines: string[];

  beforeAll(async () => {
    dir = tempDir('secrets').path;
    server = await startPasswordServer(dir, SECRETS.TOKEN);
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const key = join(dir, 'id_ed25519');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'the-real-passphrase', '-f', key]);
    keyLines = readFileSync(key, 'utf8')
      .split('\n')
      .filter((l) => l.length > 20 && !l.startsWith('-----'));
    const child = spawn(
      process.execPath,
      [CLI_MAIN, 'run', join(REPO, 'test/fixtures/secrets-workflow.mjs')],
      {
        env: {
          ...process.env,
          ...SECRETS,
          RUN_BASE: join(dir, 'runinfo'),
          SERVER_PORT: String(server.port),
          KNOWN_HOSTS: knownHosts,
          KEY_FILE: key,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A child that hangs (an SSH socket left open kept it alive once) fails the test instead of the hook.
    const t = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(t);
    out = { code, stdout, stderr };
  }, 60_000);

  afterAll(async () => server?.close());

  test('the workflow used every secret and met every error it was meant to', () => {
    expect(out.stdout).toContain('token-login-ok');
    expect(server.attempts).toContain(SECRETS.TOKEN);
    expect(server.attempts).toContain(SECRETS.PASSWORD);
    expect(out.stderr).toMatch(/ChannelTimeout: command on 127\.0\.0\.1 did not finish/);
    expect(out.stderr).toContain(`curl -H 'Authorization: Bearer ${REDACTED}'`);
    expect(out.stderr).toMatch(/AuthException: SSH authentication to alice@127\.0\.0\.1/);
    expect(out.stderr).toContain(`EC2 signing with ${REDACTED}`);
    expect(out.stderr).toMatch(/AuthException: cannot use the SSH key file .*id_ed25519: .*bad passphrase/);
    // The script died on the numeric passphrase, and the CLI printed why without the value.
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'SSHChannel.passphrase must be a string; got a number (its value is not shown: the field holds a secret)',
    );
  });

  test('no secret in any file of the run directory', () => {
    const files = filesUnder(join(dir, 'runinfo'));
    expect(files.map((f) => f.slice(dir.length))).toEqual(
      expect.arrayContaining(['/runinfo/000/parsl.log', '/runinfo/000/debug.log']),
    );
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const [name, s] of Object.entries(SECRETS)) expect(text, `${name} in ${f}`).not.toContain(s);
      for (const l of keyLines) expect(text, `key text in ${f}`).not.toContain(l);
    }
  });

  test('no secret on stdout or stderr', () => {
    for (const [name, s] of Object.entries(SECRETS)) {
      expect(out.stderr, `${name} on stderr`).not.toContain(s);
      expect(out.stdout, `${name} on stdout`).not.toContain(s);
    }
    for (const l of keyLines) expect(out.stderr).not.toContain(l);
  });
});

describe('the redaction layer', () => {
  test('a wrong value for a secret option is described by its type only', () => {
    for (const [make, field] of [
      [
        () => new SSHChannel({ hostname: 'h', password: 98765432 as unknown as string }),
        'SSHChannel.password',
      ],
      [
        () => new OAuthSSHChannel({ hostname: 'h', token: ['t0k3n-v4lue'] as unknown as string }),
        'OAuthSSHChannel.token',
      ],
    ] as const) {
      const e = (() => {
        try {
          make();
        } catch (err) {
          return err as Error;
        }
        throw new Error('expected a ConfigurationError');
      })();
      expect(e.message).toMatch(
        new RegExp(`^${field.replace('.', '\\.')} must be a string; got an? \\w+ \\(its value is not shown`),
      );
      expect(e.message).not.toMatch(/98765432|t0k3n-v4lue/);
    }
  });

  test('registered secrets are masked in error messages, longest first; short values are left alone', () => {
    registerSecret('abc');
    registerSecret('s3cr3t-part');
    registerSecret('s3cr3t-part-and-more');
    expect(redact('abc s3cr3t-part-and-more s3cr3t-part')).toBe(`abc ${REDACTED} ${REDACTED}`);
    expect(new ParslError('failed with s3cr3t-part').message).toBe(`failed with ${REDACTED}`);
  });
});
