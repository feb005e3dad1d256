/**
 * An SSH server (ssh2's Server) on 127.0.0.1 that accepts one password — the stand-in for an OAuth-SSH
 * service (token as password) and for interactive password logins. It runs exec requests with bash.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Server } from 'ssh2';

export interface PasswordServer {
  port: number;
  /** known_hosts line for this server. */
  knownHostsLine: string;
  /** Passwords tried, in order. */
  attempts: string[];
  close(): Promise<void>;
}

export async function startPasswordServer(dir: string, password: string): Promise<PasswordServer> {
  const keyPath = join(dir, 'pw_host_ed25519');
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  const hostKey = await readFile(keyPath);
  const pub = (await readFile(`${keyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  const attempts: string[] = [];
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') {
        attempts.push(ctx.password);
        if (ctx.password === password) return ctx.accept();
      }
      ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          const child = spawn('/bin/bash', ['-c', info.command], { stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on('close', (code) => {
            stream.exit(code ?? 255);
            stream.end();
          });
        });
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${pub}`,
    attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
