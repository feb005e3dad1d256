/**
 * What a site is to parsl-ts: facts a site admin can read (`parsl-ts site-test --list`) and a function from the
 * user's options to a whole {@link Config}. Parsl keeps one Python module per site with a `fresh_config()`; here
 * each site is a module under `catalog/` exporting a {@link Site}.
 */
import type { Channel } from '../channels/base.js';
import type { Config, ConfigOptions } from '../config.js';

export type Scheduler =
  | 'slurm'
  | 'pbspro'
  | 'torque'
  | 'cobalt'
  | 'lsf'
  | 'condor'
  | 'gridengine'
  | 'kubernetes'
  | 'aws'
  | 'googlecloud'
  | 'azure'
  | 'adhoc'
  | 'flux'
  | 'local';

/** How a block starts its workers (the launcher class, by its short name). */
export type LauncherName =
  | 'srun'
  | 'single-node'
  | 'simple'
  | 'aprun'
  | 'jsrun'
  | 'mpiexec'
  | 'mpirun'
  | 'none';

/** Where scheduler commands run: on this host, or over SSH on the site's login node. */
export type ChannelKind = 'local' | 'ssh' | 'ssh-interactive';

/** HTEX for task farms; ExtremeScale for many small tasks over MPI ranks; MPIExecutor for MPI programs. */
export type ExecutorKind = 'htex' | 'exex' | 'mpi';

/** `deferred`: Parsl's matrix keeps the row without a config; `unsupported`: a row saying what is missing. */
export type SiteStatus = 'current' | 'retired' | 'deferred' | 'unsupported';

/** One compute node as the site's documentation describes it. */
export interface NodeShape {
  /** Cores a job may use per node (physical cores, as the site's batch system counts them). */
  readonly cores: number;
  /** Hardware threads per core (Slurm and PBS count these as CPUs). @default 1 */
  readonly threadsPerCore?: number;
  /** Memory per node in GB. */
  readonly memGB?: number;
  /** GPUs per node. */
  readonly gpus?: number;
  /** Schedulable GPU parts per node (Aurora's Intel GPU tiles, Frontier's MI250X GCDs). */
  readonly tiles?: number;
  readonly gpuModel?: string;
}

export interface SiteFacts {
  /** The name `--site` and `PARSL_TS_SITE` take. */
  readonly name: string;
  readonly title: string;
  readonly scheduler: Scheduler;
  readonly launcher: LauncherName;
  readonly channel: ChannelKind;
  readonly executor: ExecutorKind;
  /** The MPI a user there launches with (e.g. 'Cray MPICH'); null where MPI is not the point. */
  readonly mpi: string | null;
  readonly node: NodeShape;
  readonly status: SiteStatus;
  /** Why retired/deferred/unsupported, or anything a user must know first. */
  readonly note?: string;
  /** Patterns the submit host's name (or FQDN) matches at this site. */
  readonly hostnames: readonly RegExp[];
  /** Whether the login node and the compute nodes share a file system (the shared-FS checks need it). */
  readonly sharedFs: boolean;
  /** The site's documentation this config follows. */
  readonly docs: readonly string[];
  /** Options the user must give before anything is submitted (an account, a login host…). */
  readonly required: readonly (keyof SiteOptions)[];
  /** The longest walltime the default queue takes, `HH:MM:SS` (from the site's queue policy). */
  readonly maxWalltime: string | null;
  /** The queue or partition used when the options give none. */
  readonly defaultQueue: string | null;
  /** The MPI C compiler wrapper there (`cc` on Cray machines). @default 'mpicc' */
  readonly mpicc?: string;
}

/** What the place a config runs in adds to the user's options. */
export interface SiteContext {
  /** Where scheduler commands run instead of the site's channel (simulation: this host or the local sshd). */
  readonly channel?: Channel;
  /** The node shape blocks are sized for instead of the site's (simulation: this host). */
  readonly node?: NodeShape;
  /** Run directory of the kernel. @default '<scratch>/runinfo', else 'runinfo' */
  readonly runDir?: string;
  /** Kernel options over the site's (the suite's checkpointing and strategy). */
  readonly kernel?: Omit<ConfigOptions, 'executors' | 'runDir'>;
}

/** One site: its facts and its Config factory. */
export interface Site {
  readonly facts: SiteFacts;
  /** The Config a user at this site should load; throws ConfigurationError naming what is wrong. */
  config(options: SiteOptions, context?: SiteContext): Config;
}

/** The user's per-site options (Parsl's `local_user_opts.py`), read from a JSON file by `options.ts`. */
export interface SiteOptions {
  /** Allocation charged: Slurm `--account`, PBS `-A`, LSF `-P`, Cobalt `-A`, Condor `+ProjectName`. */
  account?: string;
  /** Partition (Slurm) or queue (PBS, Torque, Cobalt, LSF, Grid Engine). */
  queue?: string;
  /** Bash run in each block before the workers start (module loads, `source` of a Node environment). */
  workerInit?: string;
  /** Walltime of each block, `HH:MM:SS`. */
  walltime?: string;
  /** A directory on the shared file system (the run directory and the shared-FS checks go there). */
  scratch?: string;
  nodesPerBlock?: number;
  maxBlocks?: number;
  /** Extra scheduler directive lines, verbatim. */
  schedulerOptions?: string;
  /** The login host, for sites reached over SSH. */
  host?: string;
  username?: string;
  /** SSH private key file. */
  keyFilename?: string;
  port?: number;
  /** The address workers connect back to (an interface's IP where the default route is wrong). */
  address?: string;
  /** Kubernetes: container image and namespace. */
  image?: string;
  namespace?: string;
  /** AWS: AMI, region and key pair. */
  imageId?: string;
  region?: string;
  keyName?: string;
  /** Google Cloud: project and zone. */
  projectId?: string;
  zone?: string;
  /** Ad hoc clusters: the hosts, reached over SSH. */
  hosts?: string[];
  /** The MPI C compiler `mpi_hello` is built with. @default 'mpicc' */
  mpicc?: string;
}
