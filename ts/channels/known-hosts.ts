import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How a host appears in known_hosts: bare for port 22, `[host]:port` otherwise (OpenSSH's rule). */
export function knownHostsName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

/** The key type is the first string inside an SSH public-key blob (uint32 length + name). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

/** A host key's fingerprint as OpenSSH prints it (`SHA256:` + unpadded base64 of the blob's SHA-256). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return globToRegExp(pattern).test(name);
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  | { kind: 'mismatch'; knownTypes: string[] };

/** Compares a server's key with the entries for `name` (as written by {@link knownHostsName}). */
export function checkKnownHosts(text: string, name: string, key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  const encoded = key.toString('base64');
  const sameType: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields[0] === '@revoked') {
      if (fields[3] === encoded) return { kind: 'mismatch', knownTypes: ['revoked'] };
      continue;
    }
    if (fields[0]?.startsWith('@')) continue; // @cert-authority lines sign host certificates; we take plain keys
    const [hosts, keyType, keyData] = fields;
    if (!hosts || !keyType || !keyData) continue;
    const patterns = hosts.split(',');
    if (patterns.some((p) => p.startsWith('!') && patternMatches(p.slice(1), name))) continue;
    if (!patterns.some((p) => !p.startsWith('!') && patternMatches(p, name))) continue;
    if (keyType !== type) continue;
    if (keyData === encoded) return { kind: 'match' };
    sameType.push(keyType);
  }
  return sameType.length > 0 ? { kind: 'mismatch', knownTypes: sameType } : { kind: 'unknown' };
}

export async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

export async function addKnownHost(path: string, name: string, key: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
