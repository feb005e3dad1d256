/**
 * Starts and stops the real services the provider and channel tests need (Slurm, sshd, Grid Engine, vsftpd) through
 * scripts/services/*.sh. A service that cannot start is reported, not thrown: each test that needs it passes
 * `service.missing` to `skipOrFail`, which decides between a skip and a failure.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalChannel, SlurmProvider } from 'parsl-ts';
import type { SlurmProviderOptions } from '#internal';
import { REPO } from './paths.js';

const run = promisify(execFile);
/** Services live here, shared machine-wide: every test file uses its own directory (and ports) below it. */
export const SERVICES_BASE = '/tmp/parsl-ts-services';

export interface Service {
  /** Why the service is not available, with what its script printed; null when it runs. */
  readonly missing: string | null;
  /** KEY=VALUE lines printed by the start script, e.g. SLURM_CONF. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startService(
  name: 'slurm' | 'sshd' | 'gridengine' | 'vsftpd',
  env: Record<string, string>,
): Promise<Service> {
  const script = join(REPO, 'scripts/services', `${name}.sh`);
  const fullEnv = { ...process.env, ...env };
  const stop = async () => {
    await run('bash', [script, 'stop'], { env: fullEnv, timeout: 60_000 });
  };
  try {
    const { stdout } = await run('bash', [script, 'start'], { env: fullEnv, timeout: 300_000 });
    const found: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m?.[1] && m[2] !== undefined) found[m[1]] = m[2];
    }
    return { missing: null, env: found, stop };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const said = (err.stderr ?? '').trim().split('\n').slice(-5).join(' | ');
    // A half-started service must not hold its ports or pid files for the next attempt.
    const stopped = await stop().then(
      () => '',
      (s: Error) => `; stopping what had started failed too: ${s.message}`,
    );
    return {
      missing: `${name} could not start (bash scripts/services/${name}.sh start): ${said || err.message}${stopped}`,
      env: {},
      stop: async () => {},
    };
  }
}

/** A private Slurm per test file (own directory and ports) so that files never share a cluster. */
export function startSlurm(
  name: string,
  ctldPort: number,
  nodes = 1,
  extra: Record<string, string> = {},
): Promise<Service> {
  return startService('slurm', {
    BASE: `${SERVICES_BASE}/${name}`,
    NODES: String(nodes),
    CTLD_PORT: String(ctldPort),
    SLURMD_PORT: String(ctldPort + 1),
    CLUSTER: name,
    // More CPU slots than this 2-core host has, so a long job (the walltime test) does not block the others.
    CPUS: '4',
    ...extra,
  });
}

/** A SlurmProvider whose commands see this cluster's SLURM_CONF (through the channel's envs). */
export function slurmProvider(svc: Service, options: SlurmProviderOptions = {}): SlurmProvider {
  const channel = new LocalChannel({ envs: { SLURM_CONF: svc.env.SLURM_CONF ?? '' } });
  return new SlurmProvider({ channel, exclusive: false, ...options });
}
