// The two MPI flavours the suites cover: what each needs, how pools and programs are launched with it, and
// mpiexec launches for the binding's tests (one process group per launch, killed as a whole on timeout; a marker
// in the environment to find leftover ranks; Open MPI's session directories in a private temp dir, so cleaning up
// never touches other users' runs).
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { REPO, tempDir } from './paths.js';
import { leftoversAfter, processesWithEnv } from './processes.js';

export type Flavor = 'openmpi' | 'mpich';
export const FLAVORS: readonly Flavor[] = ['openmpi', 'mpich'];

const PACKAGES = { openmpi: 'openmpi-bin libopenmpi-dev', mpich: 'mpich libmpich-dev' } as const;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));
}

/** Why `flavor`'s mpiexec and mpicc are not here, or null. */
export function mpiMissing(flavor: Flavor): string | null {
  const absent = [`mpiexec.${flavor}`, `mpicc.${flavor}`].filter((tool) => !onPath(tool));
  if (absent.length === 0) return null;
  return `${absent.join(' and ')} not found: apt-get install -y ${PACKAGES[flavor]} (or bash scripts/setup-mpi.sh)`;
}

/** Why the package cannot use `flavor` here (its MPI, its addon, or the compiled package is missing), or null. */
export function addonMissing(flavor: Flavor): string | null {
  const mpi = mpiMissing(flavor);
  if (mpi !== null) return mpi;
  if (!existsSync(join(REPO, 'build', flavor, 'Release', 'parsl_mpi.node')))
    return `the ${flavor} addon is not built: npm run build:native`;
  if (!existsSync(join(REPO, 'dist', 'index.js'))) return 'dist/ is not built: npm run build';
  return null;
}

/** Open MPI as root needs these, and oversubscription when ranks outnumber cores (2 here). A block's workerInit. */
export const OMPI_ENV =
  'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 NODE_OPTIONS=--force-node-api-uncaught-exceptions-policy=true';

/** The launcher template of a pool started with `flavor`'s mpiexec. */
export function mpiexecFor(flavor: Flavor): string {
  return flavor === 'openmpi' ? 'mpiexec.openmpi --oversubscribe -n {ranks}' : 'mpiexec.mpich -n {ranks}';
}

/** Compiles test/launchers/fixtures/mpi_hello.c with `flavor`'s compiler into `dir`; returns the program's path. */
export async function buildMpiHello(flavor: Flavor, dir: string): Promise<string> {
  const out = join(dir, `mpi_hello_${flavor}`);
  await promisify(execFile)(`mpicc.${flavor}`, [
    '-O1',
    '-o',
    out,
    join(REPO, 'test/launchers/fixtures/mpi_hello.c'),
  ]);
  return out;
}

let sessionDir: string | null = null;
function sessions(): string {
  sessionDir ??= tempDir('mpi-sessions').path;
  return sessionDir;
}

/** Removes the Open MPI session directories of this file's launches (call it in afterAll). */
export function cleanupSessions(): void {
  if (sessionDir) rmSync(sessionDir, { recursive: true, force: true });
  sessionDir = null;
}

export interface Launch {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** "pid command" of every process of this launch still alive 5 s after mpiexec returned (killed since). */
  leftovers: string[];
  /** The CHECK lines rank 0 printed, by check name. */
  checks: Map<string, { ok: boolean } & Record<string, unknown>>;
}

/** The variable that marks every process of one launch. */
const MARKER = 'PARSL_MPI_TEST_RUN';
/**
 * A file the programs append their CHECK lines to as well as printing them. MPI_Abort right after a report can
 * end the job before the launcher forwarded the rank's stdout (seen under MPICH: the CHECK lines of a run that
 * aborted on purpose never arrived); a line appended to a file is there once the write returned.
 */
export const CHECK_FILE = 'PARSL_TEST_CHECK_FILE';
let launches = 0;

/** Runs `argv` on `np` ranks of `flavor`'s mpiexec from the repository root and collects what it left. */
export function mpiexec(
  flavor: Flavor,
  np: number,
  argv: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Launch> {
  const marker = `${process.pid}-${++launches}`;
  const checkFile = join(sessions(), `checks-${marker}`);
  const args =
    flavor === 'openmpi' ? ['--oversubscribe', '-n', String(np), ...argv] : ['-n', String(np), ...argv];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [MARKER]: marker,
    [CHECK_FILE]: checkFile,
    OMPI_ALLOW_RUN_AS_ROOT: '1',
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    OMPI_MCA_orte_tmpdir_base: sessions(),
    ...opts.env,
  };
  const started = Date.now();
  const child = spawn(`mpiexec.${flavor}`, args, {
    cwd: REPO,
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
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve([code, signal]));
  }).finally(() => clearTimeout(timer));
  return ended.then(async ([code, signal]) => {
    const ms = Date.now() - started;
    // Launcher daemons may still be exiting when mpiexec returns: allow them a short grace period.
    const leftovers = await leftoversAfter(() => processesWithEnv(MARKER, marker), 5000);
    const checks = new Map<string, { ok: boolean } & Record<string, unknown>>();
    const filed = existsSync(checkFile) ? readFileSync(checkFile, 'utf8') : '';
    rmSync(checkFile, { force: true });
    for (const line of `${stdout}\n${filed}`.split('\n')) {
      if (!line.startsWith('CHECK ')) continue;
      const c = JSON.parse(line.slice(6)) as { check: string; ok: boolean };
      checks.set(c.check, c);
    }
    return { code, signal, stdout, stderr, ms, timedOut, leftovers, checks };
  });
}

/** A launch's status and the tail of its output, for assertion messages. */
export function explainLaunch(run: Launch): string {
  return `exit ${run.code} signal ${run.signal} after ${run.ms} ms${run.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
}

/** The CHECK line `name` that rank 0 printed says ok. */
export function expectCheck(run: Launch | undefined, name: string): void {
  expect(run, 'the launch did not happen').toBeDefined();
  const c = run?.checks.get(name);
  expect(c?.ok, `check ${name}: ${JSON.stringify(c)}\n${run ? explainLaunch(run) : ''}`).toBe(true);
}
