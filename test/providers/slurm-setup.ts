import { LocalChannel, SlurmProvider } from 'parsl-ts';
import type { SlurmProviderOptions } from '#internal';
import { SERVICES_BASE, type Service, startService } from '../helpers/services.js';

/** A private Slurm per test file (own directory and ports) so files can run in parallel. */
export function startSlurm(name: string, ctldPort: number, nodes = 1): Promise<Service> {
  return startService('slurm', {
    BASE: `${SERVICES_BASE}/${name}`,
    NODES: String(nodes),
    CTLD_PORT: String(ctldPort),
    SLURMD_PORT: String(ctldPort + 1),
    CLUSTER: name,
    // More CPU slots than this 2-core host has, so a long job (the walltime test) does not block the others.
    CPUS: '4',
  });
}

/** A SlurmProvider whose commands see this cluster's SLURM_CONF (through the channel's envs). */
export function slurmProvider(svc: Service, options: SlurmProviderOptions = {}): SlurmProvider {
  const channel = new LocalChannel({ envs: { SLURM_CONF: svc.env.SLURM_CONF ?? '' } });
  return new SlurmProvider({ channel, exclusive: false, ...options });
}
