// Runs programs under mpiexec for the MPI tests: one process group per launch (killed as a whole on
// timeout), a marker in the environment to find leftover ranks, and Open MPI's session directories
// kept in a private temp dir so cleaning up never touches other users' runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type Flavor = 'openmpi' | 'mpich';
export const FLAVORS: Flavor[] = ['openmpi', 'mpich'];
export const root = resolve(import.meta.dirname, '../..');
let sessionDir: string | null = null;
function sessions(): string {
  sessionDir ??= mkdtempSync(join(tmpdir(), 'parsl-mpi-test-'));
  return sessionDir;
}

const PACKAGE = { openmpi: 'openmpi-bin libopenmpi-dev', mpich: 'mpich libmpich-dev' } as const;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));
}

/** Why `flavor` cannot be tested here, or null when it can. */
export function missing(flavor: Flavor): string | null {
  if (!onPath(`mpiexec.${flavor}`))
    return `mpiexec.${flavor} not found: apt-get install ${PACKAGE[flavor]} (or bash scripts/setup-mpi.sh)`;
  if (!existsSync(join(root, 'build', flavor, 'Release', 'parsl_mpi.node')))
    return `the ${flavor} addon is not built: npm run build:native`;
  if (!existsSync(join(root, 'dist', 'executors', 'mpi', 'communicator.js')))
    return 'dist/ is not built: npm run build';
  return null;
}

export interface Launch {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** "pid command" of every process of this launch still alive 5 s after mpiexec returned. */
  leftovers: string[];
  checks: Map<string, { ok: boolean } & Record<string, unknown>>;
}

let launches = 0;

export function mpiexec(
  flavor: Flavor,
  np: number,
  argv: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Launch> {
  const marker = `${process.pid}-${++launches}`;
  const args =
    flavor === 'openmpi' ? ['--oversubscribe', '-n', String(np), ...argv] : ['-n', String(np), ...argv];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARSL_MPI_TEST_RUN: marker,
    OMPI_ALLOW_RUN_AS_ROOT: '1',
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    OMPI_MCA_orte_tmpdir_base: sessions(),
    ...opts.env,
  };
  const started = Date.now();
  const child = spawn(`mpiexec.${flavor}`, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, opts.timeoutMs ?? 60_000);
  return new Promise((done) => {
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      // Launcher daemons may still be exiting when mpiexec returns: allow a short grace period.
      let leftovers = processesWith(marker);
      for (let waited = 0; leftovers.length > 0 && waited < 5000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
        leftovers = processesWith(marker);
      }
      const described = leftovers.map((pid) => `${pid} ${commandOf(pid)}`);
      for (const pid of leftovers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      const checks = new Map<string, { ok: boolean } & Record<string, unknown>>();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('CHECK ')) continue;
        const c = JSON.parse(line.slice(6)) as { check: string; ok: boolean };
        checks.set(c.check, c);
      }
      done({
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        timedOut,
        leftovers: described,
        checks,
      });
    });
  });
}

/** Processes (other than this one) whose environment carries the launch marker. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`PARSL_MPI_TEST_RUN=${marker}\0`))
        pids.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
  } catch {
    return '?';
  }
}

export function cleanupSessions(): void {
  if (sessionDir) rmSync(sessionDir, { recursive: true, force: true });
  sessionDir = null;
}

/** Under CI a missing MPI fails the suite; elsewhere the skip says what to install. */
export function requireOrSkip(flavor: Flavor): string | null {
  const why = missing(flavor);
  if (why && process.env.CI !== 'true') console.warn(`[test/mpi] skipping ${flavor}: ${why}`);
  return why;
}
