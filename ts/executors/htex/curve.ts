import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';

/**
 * CurveZMQ certificates of one executor, kept in `<runDir>/<label>/certificates` (mode 0700, files 0600).
 * The interchange is the CURVE server; every pool is a client holding the client key pair.
 * Pools on other nodes read the same directory, so it must be on a file system they share.
 */
export interface CurveKeys {
  readonly serverPublic: string;
  readonly serverSecret: string;
  readonly clientPublic: string;
  readonly clientSecret: string;
}

const FILES = {
  serverPublic: 'server.key',
  serverSecret: 'server.key_secret',
  clientPublic: 'client.key',
  clientSecret: 'client.key_secret',
} as const;

export async function createCertificates(dir: string): Promise<CurveKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const server = curveKeyPair();
  const client = curveKeyPair();
  const keys: CurveKeys = {
    serverPublic: server.publicKey,
    serverSecret: server.secretKey,
    clientPublic: client.publicKey,
    clientSecret: client.secretKey,
  };
  for (const [field, file] of Object.entries(FILES)) {
    await writeFile(join(dir, file), `${keys[field as keyof CurveKeys]}\n`, { mode: 0o600 });
  }
  return keys;
}

export async function loadCertificates(dir: string): Promise<CurveKeys> {
  const read = async (f: string) => (await readFile(join(dir, f), 'utf8')).trim();
  return {
    serverPublic: await read(FILES.serverPublic),
    serverSecret: await read(FILES.serverSecret),
    clientPublic: await read(FILES.clientPublic),
    clientSecret: await read(FILES.clientSecret),
  };
}

interface CurveOptions {
  curveServer: boolean;
  curvePublicKey: string | null;
  curveSecretKey: string | null;
  curveServerKey: string | null;
}

/** Make a bound socket the CURVE server (before bind). */
export function secureServer(sock: CurveOptions, keys: CurveKeys | null): void {
  if (keys === null) return;
  sock.curveServer = true;
  sock.curveSecretKey = keys.serverSecret;
}

/** Make a connecting socket a CURVE client (before connect). */
export function secureClient(sock: CurveOptions, keys: CurveKeys | null): void {
  if (keys === null) return;
  sock.curveServerKey = keys.serverPublic;
  sock.curvePublicKey = keys.clientPublic;
  sock.curveSecretKey = keys.clientSecret;
}
