/**
 * Starts and stops the real services the provider/channel tests need (Slurm, sshd, Grid Engine) through
 * scripts/services/*.sh. Under CI=true a service that cannot start fails the suite; elsewhere the tests
 * that need it skip, and the reason (what is missing) is printed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '../..');
export const SERVICES_BASE = '/tmp/parsl-ts-services';

export interface Service {
  ok: boolean;
  /** Why it is not available (empty when ok). */
  reason: string;
  /** KEY=VALUE lines printed by the start script, e.g. SLURM_CONF. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startService(
  name: 'slurm' | 'sshd' | 'gridengine',
  env: Record<string, string>,
): Promise<Service> {
  const script = join(REPO, 'scripts/services', `${name}.sh`);
  const fullEnv = { ...process.env, ...env };
  const stop = async () => {
    await run('bash', [script, 'stop'], { env: fullEnv, timeout: 60_000 }).catch(() => undefined);
  };
  try {
    const { stdout } = await run('bash', [script, 'start'], { env: fullEnv, timeout: 300_000 });
    const found: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m?.[1] && m[2] !== undefined) found[m[1]] = m[2];
    }
    return { ok: true, reason: '', env: found, stop };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const reason = `${name} could not start: ${(err.stderr ?? '').trim().split('\n').slice(-5).join(' | ') || err.message}`;
    await stop();
    if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing service is a failure)`);
    console.warn(`SKIPPING tests that need ${name}: ${reason}`);
    return { ok: false, reason, env: {}, stop: async () => {} };
  }
}

/**
 * Skip the calling test when `service` did not start, outside CI only: under CI=true a missing service fails the
 * test (startService already threw; this keeps the rule visible where a test depends on it).
 */
export function requireService(ctx: { skip(cond: boolean, note?: string): void }, service: Service): void {
  if (service.ok) return;
  if (process.env.CI === 'true')
    throw new Error(`${service.reason} (CI=true: a missing service is a failure)`);
  ctx.skip(true, service.reason);
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 250, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `parsl-ts-${prefix}-`));
}

/** Compiles test/launchers/fixtures/mpi_hello.c with the given MPI flavour's compiler. */
export async function buildMpiHello(flavor: 'mpich' | 'openmpi', dir: string): Promise<string> {
  const out = join(dir, `mpi_hello_${flavor}`);
  await run(`mpicc.${flavor}`, ['-O1', '-o', out, join(REPO, 'test/launchers/fixtures/mpi_hello.c')]);
  return out;
}
