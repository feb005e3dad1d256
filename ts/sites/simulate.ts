/**
 * `--simulate`: a site's own Config run on this machine. Scheduler commands go to the real local equivalent where
 * there is one (this host's Slurm for the Slurm sites, Grid Engine for CC-IN2P3, the local sshd for sites reached
 * over SSH) and to the stand-ins under `site-tests/stand-ins/` for the rest (Cobalt, PBS Pro, Torque, LSF,
 * HTCondor). aprun, jsrun, PALS mpiexec and mpirun are stand-ins that check their flags and start the ranks with a
 * real mpiexec. Blocks are sized for this host (its cores, no GPUs); everything else is the site's config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Channel } from '../channels/base.js';
import { LocalChannel } from '../channels/local.js';
import { SSHChannel } from '../channels/ssh.js';
import { SiteConfigMismatch } from './errors.js';
import type { SiteOptions } from './options.js';
import type { Scheduler, Site, SiteContext } from './site.js';

/** The stand-in commands, shipped with the package. */
export const STAND_INS = fileURLToPath(new URL('../../site-tests/stand-ins/', import.meta.url));

const STAND_IN_SCHEDULERS: Partial<Record<Scheduler, string>> = {
  cobalt: 'cobalt',
  pbspro: 'pbspro',
  torque: 'torque',
  lsf: 'lsf',
  condor: 'condor',
};

export interface Simulation {
  readonly options: SiteOptions;
  readonly context: SiteContext;
  /** Closes the channel and removes the simulation's scratch directory. */
  close(): Promise<void>;
}

/** What the environment must say for a simulation; each names the service that provides it. */
function need(env: NodeJS.ProcessEnv, name: string, how: string): string {
  const v = env[name];
  if (!v) throw new SiteConfigMismatch(`simulating this site needs ${name}: ${how}`);
  return v;
}

/** Whether `site` can be simulated here, and if not why. */
export function simulationGap(site: Site): string | null {
  const f = site.facts;
  if (f.status === 'deferred' || f.status === 'unsupported') return `no config (${f.note ?? f.status})`;
  if (['aws', 'googlecloud', 'kubernetes', 'azure'].includes(f.scheduler))
    return `${f.scheduler} needs its cloud API; only --dry-run runs here`;
  return null;
}

/**
 * The options and context that run `site` here. Reads SLURM_CONF (a running Slurm: scripts/services/slurm.sh),
 * SGE_ROOT (Grid Engine: scripts/services/gridengine.sh) and PARSL_TS_SIM_SSH_KEY / _PORT / _KNOWN_HOSTS
 * (scripts/services/sshd.sh) as the site needs them.
 */
export async function simulation(
  site: Site,
  _user: SiteOptions = {},
  env = process.env,
): Promise<Simulation> {
  const gap = simulationGap(site);
  if (gap !== null) throw new SiteConfigMismatch(`site ${site.facts.name} cannot be simulated: ${gap}`);
  const f = site.facts;
  const scratch = mkdtempSync(join(env.PARSL_TS_SIM_SCRATCH ?? tmpdir(), `site-${f.name}-`));
  const envs: Record<string, string> = {};
  const standIn = STAND_IN_SCHEDULERS[f.scheduler];
  if (f.scheduler === 'slurm')
    envs.SLURM_CONF = need(
      env,
      'SLURM_CONF',
      'start Slurm with bash scripts/services/slurm.sh start and export what it prints',
    );
  else if (f.scheduler === 'gridengine') {
    envs.SGE_ROOT = need(env, 'SGE_ROOT', 'start Grid Engine with bash scripts/services/gridengine.sh start');
    envs.SGE_CELL = env.SGE_CELL ?? 'default';
  } else if (standIn) {
    envs.PATH = `${join(STAND_INS, standIn, 'bin')}:${join(STAND_INS, 'mpi-launch/bin')}:${env.PATH ?? ''}`;
    envs.STANDIN_STATE = join(scratch, 'scheduler');
    envs.STANDIN_QUEUES = [f.defaultQueue ?? 'default', 'batch normal workq default'].join(' ');
    envs.STANDIN_MPI = f.scheduler === 'lsf' ? 'openmpi' : 'mpich';
    if (env.STANDIN_LOG) envs.STANDIN_LOG = env.STANDIN_LOG;
  }
  const viaSsh = f.channel !== 'local';
  const ssh = viaSsh
    ? {
        hostname: '127.0.0.1',
        port: Number(env.PARSL_TS_SIM_SSH_PORT ?? 2222),
        keyFilename: need(env, 'PARSL_TS_SIM_SSH_KEY', 'start sshd with bash scripts/services/sshd.sh start'),
        ...(env.PARSL_TS_SIM_SSH_KNOWN_HOSTS ? { knownHosts: env.PARSL_TS_SIM_SSH_KNOWN_HOSTS } : {}),
        envs,
        scriptDir: join(scratch, 'remote-scripts'),
      }
    : null;
  // The local sshd takes keys only: an interactive (one-time password) login is simulated by a key login; the
  // password prompt itself is covered by the channel tests.
  const channel: Channel = ssh === null ? new LocalChannel({ envs }) : new SSHChannel(ssh);
  const mpich = f.scheduler !== 'lsf';
  const options: SiteOptions = {
    account: 'sim-account',
    ...(f.required.includes('host') ? { host: '127.0.0.1' } : {}),
    ...(f.required.includes('hosts') ? { hosts: ['127.0.0.1'] } : {}),
    walltime: '00:10:00',
    scratch,
    address: '127.0.0.1',
    mpicc: mpich ? 'mpicc.mpich' : 'mpicc.openmpi',
    // The MPI flavour is said, not guessed: the launcher stand-ins start ranks with this machine's mpiexec.
    workerInit: `export PARSL_MPI_FLAVOR=${mpich ? 'mpich' : 'openmpi'}\n${
      f.scheduler === 'slurm'
        ? 'export SLURM_MPI_TYPE=pmi2'
        : mpich
          ? ''
          : 'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1'
    }`,
    maxBlocks: 2,
  };
  return {
    options,
    context: {
      channel,
      node: { cores: Math.max(2, availableParallelism()), memGB: 4 },
      runDir: join(scratch, 'runinfo'),
    },
    async close() {
      await channel.close?.();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
