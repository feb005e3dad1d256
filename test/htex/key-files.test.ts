/** The CurveZMQ key files: created private with no window, planted files never written through, checked at load. */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { InsecureCertificates } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { createCertificates, loadCertificates, loadServerCertificates } from '#internal';
import { tempDir } from '../helpers/paths.js';

const mode = (p: string) => lstatSync(p).mode & 0o777;
const FILES = ['server.key', 'server.key_secret', 'pool.key', 'pool.key_secret'];

/** The error `p` rejects with (the test fails if it resolves). */
async function refusal(p: Promise<unknown>): Promise<InsecureCertificates> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InsecureCertificates);
  return e as InsecureCertificates;
}

describe('createCertificates', () => {
  const saved = process.umask();
  afterEach(() => {
    process.umask(saved);
  });

  test('directory 0700 and files 0600 even under umask 000', async () => {
    process.umask(0);
    const dir = join(tempDir('certs-umask').path, 'htex', 'certificates');
    await createCertificates(dir);
    expect(mode(dir)).toBe(0o700);
    for (const f of FILES) expect(mode(join(dir, f))).toBe(0o600);
    // No temporary file is left behind.
    expect(readFileSync(join(dir, 'pool.key'), 'utf8')).toMatch(/^.{40}\n$/);
    await expect(loadServerCertificates(dir)).resolves.toMatchObject({ allowedPools: [expect.any(String)] });
  });

  test('a symlink planted where a secret key goes is replaced, never written through', async () => {
    const base = tempDir('certs-planted').path;
    const dir = join(base, 'certificates');
    mkdirSync(dir, { mode: 0o700 });
    const bait = join(base, 'bait');
    writeFileSync(bait, 'untouched\n', { mode: 0o644 });
    symlinkSync(bait, join(dir, 'server.key_secret'));
    await createCertificates(dir);
    expect(readFileSync(bait, 'utf8')).toBe('untouched\n');
    expect(lstatSync(join(dir, 'server.key_secret')).isFile()).toBe(true);
    expect(mode(join(dir, 'server.key_secret'))).toBe(0o600);
  });

  test('a world-readable file planted in advance ends up 0600 with a fresh key', async () => {
    const dir = join(tempDir('certs-readable').path, 'certificates');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'pool.key_secret'), 'old\n', { mode: 0o644 });
    chmodSync(join(dir, 'pool.key_secret'), 0o644);
    await createCertificates(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'pool.key_secret'))).toBe(0o600);
    expect(readFileSync(join(dir, 'pool.key_secret'), 'utf8')).not.toBe('old\n');
  });

  test('a directory that belongs to another user is refused', async () => {
    // As root, hand a fresh directory to nobody; otherwise / is such a directory already.
    let dir = '/';
    if (process.getuid?.() === 0) {
      dir = join(tempDir('certs-foreign').path, 'certificates');
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, 65534, 65534);
    }
    const e = await refusal(createCertificates(dir));
    expect(e.path).toBe(dir);
    expect(e.message).toMatch(/belongs to uid \d+, not to this user/);
  });
});

describe('loading checks every key file before use', () => {
  test.each([
    ['server.key_secret', '640', 'it must be private', loadServerCertificates],
    ['pool.key_secret', '604', 'it must be private', loadCertificates],
    ['pool.key', '664', 'others must not be able to write it', loadServerCertificates],
    ['server.key', '646', 'others must not be able to write it', loadCertificates],
  ] as const)('%s with mode %s → InsecureCertificates: %s', async (file, octal, why, load) => {
    const m = Number.parseInt(octal, 8);
    const dir = join(tempDir('certs-check').path, 'certificates');
    await createCertificates(dir);
    const path = join(dir, file);
    chmodSync(path, m);
    const e = await refusal(load(dir));
    expect(e.path).toBe(path);
    expect(e.message).toBe(`the CurveZMQ key file ${path} has mode ${octal}: ${why} (chmod 600 ${path})`);
  });

  test('a group-readable directory → the directory and chmod 700', async () => {
    const dir = join(tempDir('certs-dir').path, 'certificates');
    await createCertificates(dir);
    chmodSync(dir, 0o750);
    const e = await refusal(loadServerCertificates(dir));
    expect(e.path).toBe(dir);
    expect(e.message).toContain(`has mode 750: it must be private (chmod 700 ${dir})`);
  });

  test('a key file replaced by a symlink is refused', async () => {
    const base = tempDir('certs-link').path;
    const dir = join(base, 'certificates');
    await createCertificates(dir);
    writeFileSync(join(base, 'elsewhere'), readFileSync(join(dir, 'pool.key')), { mode: 0o600 });
    const link = join(dir, 'pool.key');
    // Replace the file by a symlink to a copy: the check looks at the entry itself.
    rmSync(link);
    symlinkSync(join(base, 'elsewhere'), link);
    const e = await refusal(loadServerCertificates(dir));
    expect(e.message).toContain(`${link} is not a regular file`);
  });
});
