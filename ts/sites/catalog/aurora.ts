import { MpiExecLauncher } from '../../launchers/mpi.js';
import { PBSProProvider } from '../../providers/pbspro/pbspro.js';
import { hwThreads, queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// ALCF Aurora: 2 Xeon Max 9470C (2 × 52 cores), 6 Intel Data Center GPU Max 1550 = 12 tiles, 1 TB DDR5;
// PBS Pro with `-l filesystems=home:flare`, `debug` queue ≤ 1 h; mpiexec (PALS). The ALCF Parsl page gives
// HTEX with 12 tiles as accelerators and `MpiExecLauncher(bind_cmd="--cpu-bind", overrides="--ppn 1")`, and warns
// that mpiexec ensembles are limited to 1000 launches per batch job.
// https://docs.alcf.anl.gov/aurora/workflows/parsl/ , https://docs.alcf.anl.gov/aurora/running-jobs-aurora/
export const FACTS: SiteFacts = {
  name: 'aurora',
  title: 'Aurora (ALCF)',
  scheduler: 'pbspro',
  launcher: 'mpiexec',
  channel: 'local',
  executor: 'htex',
  mpi: 'Aurora MPICH (PALS mpiexec)',
  node: {
    cores: 104,
    threadsPerCore: 2,
    memGB: 1024,
    gpus: 6,
    tiles: 12,
    gpuModel: 'Intel Data Center GPU Max 1550',
  },
  status: 'current',
  note: 'mpiexec launches are limited to 1000 per batch job (ALCF)',
  hostnames: [/^aurora-uan/, /aurora/],
  sharedFs: true,
  docs: [
    'https://docs.alcf.anl.gov/aurora/workflows/parsl/',
    'https://docs.alcf.anl.gov/aurora/running-jobs-aurora/',
  ],
  required: ['account'],
  maxWalltime: '01:00:00',
  defaultQueue: 'debug',
};

/** `0.0, 0.1, 1.0, …`: each of the node's GPUs split into its tiles, Aurora's ZE_AFFINITY_MASK syntax. */
function tiles(gpus: number, tilesPerNode: number): string[] {
  const per = Math.max(1, Math.floor(tilesPerNode / gpus));
  return Array.from({ length: gpus * per }, (_, i) => `${Math.floor(i / per)}.${i % per}`);
}

export const aurora = hpcSite(FACTS, {
  provider: (c, o, node) =>
    new PBSProProvider({
      ...c,
      account: o.account,
      queue: queueOf(FACTS, o),
      cpusPerNode: hwThreads(node),
      schedulerOptions: [c.schedulerOptions, '#PBS -l filesystems=home:flare'].filter(Boolean).join('\n'),
    }),
  htexLauncher: () => new MpiExecLauncher({ bindCmd: '--cpu-bind', overrides: '--ppn 1' }),
  htexOptions: (node) => {
    if (!node.gpus) return { prefetchCapacity: 0 };
    const accel = tiles(node.gpus, node.tiles ?? node.gpus);
    return { maxWorkersPerNode: accel.length, availableAccelerators: accel, prefetchCapacity: 0 };
  },
  mpi: { mpiLauncher: 'mpiexec', mpiexec: 'mpiexec', mpiexecStyle: 'mpich' },
  exexLauncher: () => new MpiExecLauncher({ bindCmd: '--cpu-bind', overrides: '--depth=1' }),
});
