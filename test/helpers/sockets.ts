// Which TCP ports processes listen on, as the kernel reports them (`ss`), for tests of where the package binds.
import { execFileSync } from 'node:child_process';

export interface Listener {
  /** The address as bound, without brackets; IPv4 bound on an IPv6 socket reads `::ffff:127.0.0.1`. */
  readonly address: string;
  readonly port: number;
  readonly pid: number;
}

/** Every listening TCP socket owned by one of `pids`. */
export function listeningSockets(pids: readonly number[]): Listener[] {
  const wanted = new Set(pids);
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  const found: Listener[] = [];
  for (const line of out.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const at = local.lastIndexOf(':');
    const address = local.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(local.slice(at + 1));
    for (const m of line.matchAll(/pid=(\d+)/g)) {
      const pid = Number(m[1]);
      if (wanted.has(pid)) found.push({ address, port, pid });
    }
  }
  return found;
}
