import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { InsecureCertificates } from '../errors.js';

/**
 * CurveZMQ certificates of one executor, kept in `<runDir>/<label>/certificates` (mode 0700, files 0600). The
 * interchange is the CURVE server; its pools are the clients, with one key pair (`pool`) that is the only client
 * key the worker port admits (ZAP, see zap.ts). (The executor itself talks to the interchange over a pipe.) Pools
 * on other nodes read the same directory, so it must be on a file system they share.
 */

/** What a connecting socket needs. Keys are Z85 strings (40 characters). */
export interface ClientKeys {
  readonly serverPublic: string;
  readonly publicKey: string;
  readonly secretKey: string;
}

/** What the interchange needs: its secret key and the pool public keys it admits. */
export interface ServerKeys {
  readonly secretKey: string;
  readonly allowedPools: readonly string[];
}

const NAMES = ['server', 'pool'] as const;
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/**
 * Write fresh key pairs for the interchange and its pools. The directory is made 0700 and each file is created
 * 0600 under a fresh name with O_EXCL, then renamed into place: no moment where a key is readable by others,
 * and a file or symlink planted in advance is replaced, never written through.
 */
export async function createCertificates(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await assertOwnDirectory(dir);
  await chmod(dir, 0o700);
  const pairs = Object.fromEntries(NAMES.map((n) => [n, curveKeyPair()])) as Record<
    (typeof NAMES)[number],
    { publicKey: string; secretKey: string }
  >;
  for (const n of NAMES) {
    await writePrivate(join(dir, `${n}.key`), `${pairs[n].publicKey}\n`);
    await writePrivate(join(dir, `${n}.key_secret`), `${pairs[n].secretKey}\n`);
  }
}

async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
}

/** The keys a pool connects with. */
export async function loadCertificates(dir: string): Promise<ClientKeys> {
  await assertPrivate(dir, ['server.key', 'pool.key', 'pool.key_secret']);
  return {
    serverPublic: await readKey(dir, 'server.key'),
    publicKey: await readKey(dir, 'pool.key'),
    secretKey: await readKey(dir, 'pool.key_secret'),
  };
}

export async function loadServerCertificates(dir: string): Promise<ServerKeys> {
  await assertPrivate(dir, ['server.key_secret', 'pool.key']);
  return {
    secretKey: await readKey(dir, 'server.key_secret'),
    allowedPools: [await readKey(dir, 'pool.key')],
  };
}

/**
 * Anyone who can read the secret keys can run code on every pool, and anyone who can replace them can pose as
 * the interchange: refuse a directory or key file that is not ours alone.
 */
async function assertPrivate(dir: string, files: readonly string[]): Promise<void> {
  const mode = (await assertOwnDirectory(dir)) & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InsecureCertificates(
      dir,
      `the certificates directory ${dir} has mode ${mode.toString(8)}: it must be private (chmod 700 ${dir})`,
    );
  }
  for (const f of files) {
    const path = join(dir, f);
    const st = await lstat(path).catch((cause: unknown) => {
      throw new InsecureCertificates(
        path,
        `cannot read the CurveZMQ key file ${path}: ${(cause as Error).message}`,
      );
    });
    if (!st.isFile())
      throw new InsecureCertificates(path, `the CurveZMQ key file ${path} is not a regular file`);
    checkOwner(path, st.uid);
    // A secret key must be ours alone; a public key may be read by anyone but replaced by no one.
    const secret = f.endsWith('_secret');
    const m = st.mode & 0o777;
    if ((m & (secret ? 0o077 : 0o022)) !== 0) {
      throw new InsecureCertificates(
        path,
        `the CurveZMQ key file ${path} has mode ${m.toString(8)}: ` +
          `${secret ? 'it must be private' : 'others must not be able to write it'} (chmod 600 ${path})`,
      );
    }
  }
}

/** A real directory (not a symlink) owned by this user; returns its mode. */
async function assertOwnDirectory(dir: string): Promise<number> {
  const st = await lstat(dir);
  if (!st.isDirectory()) {
    throw new InsecureCertificates(dir, `the certificates directory ${dir} is not a directory (a symlink?)`);
  }
  checkOwner(dir, st.uid);
  return st.mode;
}

function checkOwner(path: string, uid: number): void {
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) {
    throw new InsecureCertificates(
      path,
      `${path} belongs to uid ${uid}, not to this user (uid ${me}): use a certificates directory of your own`,
    );
  }
}

async function readKey(dir: string, file: string): Promise<string> {
  const key = (await readFile(join(dir, file), 'utf8')).trim();
  if (!Z85_KEY.test(key)) throw new Error(`${join(dir, file)} does not hold a Z85-encoded CurveZMQ key`);
  return key;
}

interface CurveServerOptions {
  curveServer: boolean;
  curveSecretKey: string | null;
  zapDomain: string | null;
  zapEnforceDomain: boolean;
}

interface CurveClientOptions {
  curvePublicKey: string | null;
  curveSecretKey: string | null;
  curveServerKey: string | null;
}

/** The ZAP domain of the worker port: the authenticator admits only pool keys there. */
export const POOL_DOMAIN = 'pool';

/**
 * Make the worker port the CURVE server (before bind) whose handshakes the ZAP handler decides. Enforcing the
 * domain makes a handshake fail when no handler answers, so a missing authenticator refuses everyone.
 */
export function secureServer(sock: CurveServerOptions, keys: ServerKeys | null): void {
  if (keys === null) return;
  sock.curveServer = true;
  sock.curveSecretKey = keys.secretKey;
  sock.zapDomain = POOL_DOMAIN;
  sock.zapEnforceDomain = true;
}

/** Make a connecting socket a CURVE client (before connect). */
export function secureClient(sock: CurveClientOptions, keys: ClientKeys | null): void {
  if (keys === null) return;
  sock.curveServerKey = keys.serverPublic;
  sock.curvePublicKey = keys.publicKey;
  sock.curveSecretKey = keys.secretKey;
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 (ZeroMQ RFC 32) text of `bytes`, whose length must be a multiple of 4: how key files spell a binary key. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 needs a multiple of 4 bytes, got ${bytes.length}`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85[v % 85]! + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}
