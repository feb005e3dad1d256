// Staging providers and servers the staging tests share.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as parsl from 'parsl-ts';
import { REPO } from './paths.js';

/** A user-defined provider for `sp2://bucket/path`, whose store is a directory; its step is a fixture module. */
export class SP2Staging implements parsl.StagingProvider {
  readonly name = 'SP2Staging';
  constructor(
    readonly mode: parsl.StagingMode,
    readonly root: string,
  ) {}
  canStageIn(f: parsl.File): boolean {
    return f.scheme === 'sp2';
  }
  canStageOut(f: parsl.File): boolean {
    return f.scheme === 'sp2';
  }
  step(): parsl.StagingStep {
    return {
      provider: this.name,
      module: pathToFileURL(`${REPO}/test/fixtures/staging-sp2.mjs`).href,
      exportName: 'sp2Step',
      options: { root: this.root },
    };
  }
}

/** A file server on 127.0.0.1 (HTTP, or HTTPS with the given key and certificate) serving `root`. */
export interface FileServer {
  readonly url: string;
  /** Requests seen, by path. */
  readonly hits: string[];
  close(): Promise<void>;
}

/**
 * Serves files under `root`; 404 for missing ones. `/truncated/<n>` promises `n` bytes, sends half and drops the
 * connection (a transfer that breaks in the middle).
 */
export async function startFileServer(
  root: string,
  tls: { key: string; cert: string } | null = null,
): Promise<FileServer> {
  const hits: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.push(path);
    const trunc = /^\/truncated\/(\d+)$/.exec(path);
    if (trunc) {
      const n = Number(trunc[1]);
      res.writeHead(200, { 'content-length': String(n) });
      res.write(Buffer.alloc(Math.floor(n / 2), 120), () => res.destroy());
      return;
    }
    const file = join(root, normalize(path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A self-signed certificate for 127.0.0.1 made with openssl, for an HTTPS server the test trusts explicitly. */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A loopback port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Files in `dir` whose names say they are unfinished transfers. */
export function partialFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.includes('.parsl-partial-')) : [];
}
