import { rowOnly } from '../build.js';

// Rows of Parsl's matrix kept without a config: Parsl marks Azure and Jetstream deferred, and LLNL's TOSS
// machines run Parsl's FluxExecutor, which parsl-ts does not have.

// https://learn.microsoft.com/azure/virtual-machines/ (Parsl's AzureProvider; parsl-ts has no Azure provider)
export const azure = rowOnly({
  name: 'azure',
  title: 'Microsoft Azure',
  scheduler: 'azure',
  launcher: 'none',
  channel: 'local',
  executor: 'htex',
  mpi: null,
  node: { cores: 2 },
  status: 'deferred',
  note: "deferred in Parsl's matrix; parsl-ts has no AzureProvider",
  hostnames: [],
  sharedFs: false,
  docs: ['https://learn.microsoft.com/azure/virtual-machines/'],
  required: [],
  maxWalltime: null,
  defaultQueue: null,
});

// https://docs.jetstream-cloud.org/ (OpenStack; Parsl's JetstreamProvider was removed)
export const jetstream = rowOnly({
  name: 'jetstream',
  title: 'Jetstream2 (OpenStack)',
  scheduler: 'adhoc',
  launcher: 'none',
  channel: 'ssh',
  executor: 'htex',
  mpi: null,
  node: { cores: 8 },
  status: 'deferred',
  note: "deferred in Parsl's matrix; parsl-ts has no OpenStack provider (the ad hoc site can use running VMs)",
  hostnames: [],
  sharedFs: false,
  docs: ['https://docs.jetstream-cloud.org/'],
  required: [],
  maxWalltime: null,
  defaultQueue: null,
});

// https://hpc.llnl.gov/documentation/user-guides/using-flux , Parsl's configs/toss3_llnl.py (FluxExecutor in Slurm)
export const llnlToss = rowOnly({
  name: 'llnl-toss',
  title: 'LLNL TOSS (Flux)',
  scheduler: 'flux',
  launcher: 'srun',
  channel: 'local',
  executor: 'htex',
  mpi: 'MVAPICH2',
  node: { cores: 36 },
  status: 'unsupported',
  note: 'missing: a FluxExecutor (Parsl runs Flux inside the Slurm/Flux allocation) and a Flux provider',
  hostnames: [/\.llnl\.gov$/],
  sharedFs: true,
  docs: ['https://hpc.llnl.gov/documentation/user-guides/using-flux'],
  required: [],
  maxWalltime: null,
  defaultQueue: null,
});
