import { MpiExecLauncher } from '../../launchers/mpi.js';
import { PBSProProvider } from '../../providers/pbspro/pbspro.js';
import { hwThreads, perAccelerator, queueOf } from '../build.js';
import { hpcSite } from '../hpc.js';
import type { SiteFacts } from '../site.js';

// ALCF Polaris: 1 AMD EPYC 7543P (32 cores, 64 hardware threads), 4 NVIDIA A100, 512 GB; PBS Pro with
// `-l filesystems=home:eagle`, `debug` queue 1–2 nodes ≤ 1 h; PALS mpiexec (`--ppn`, `--depth`, `--cpu-bind`).
// https://docs.alcf.anl.gov/polaris/hardware-overview/machine-overview/ ,
// https://docs.alcf.anl.gov/polaris/running-jobs/ , https://docs.alcf.anl.gov/polaris/workflows/parsl/
export const FACTS: SiteFacts = {
  name: 'polaris',
  title: 'Polaris (ALCF)',
  scheduler: 'pbspro',
  launcher: 'mpiexec',
  channel: 'local',
  executor: 'htex',
  mpi: 'Cray MPICH (PALS mpiexec)',
  node: { cores: 32, threadsPerCore: 2, memGB: 512, gpus: 4, gpuModel: 'NVIDIA A100' },
  status: 'current',
  hostnames: [/^polaris-login/, /polaris/],
  sharedFs: true,
  docs: [
    'https://docs.alcf.anl.gov/polaris/running-jobs/',
    'https://docs.alcf.anl.gov/polaris/workflows/parsl/',
  ],
  required: ['account'],
  maxWalltime: '01:00:00',
  defaultQueue: 'debug',
};

export const polaris = hpcSite(FACTS, {
  provider: (c, o, node) =>
    new PBSProProvider({
      ...c,
      account: o.account,
      queue: queueOf(FACTS, o),
      cpusPerNode: hwThreads(node),
      ...(node.gpus ? { selectOptions: `:ngpus=${node.gpus}` } : {}),
      schedulerOptions: [c.schedulerOptions, '#PBS -l filesystems=home:eagle'].filter(Boolean).join('\n'),
    }),
  htexLauncher: (node) =>
    new MpiExecLauncher({ bindCmd: '--cpu-bind', overrides: `--depth=${hwThreads(node)} --ppn 1` }),
  htexOptions: (node) => ({
    ...perAccelerator(node),
    cpuAffinity: 'alternating',
    prefetchCapacity: 0,
  }),
  mpi: { mpiLauncher: 'mpiexec', mpiexec: 'mpiexec', mpiexecStyle: 'mpich' },
  exexLauncher: () => new MpiExecLauncher({ bindCmd: '--cpu-bind', overrides: '--depth=1' }),
});
