import { join } from 'node:path';
import {
  type ExecutionProvider,
  ExtremeScaleExecutor,
  HighThroughputExecutor,
  JobState,
  JobStatus,
  MPIExecutor,
} from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import {
  flagWords,
  mpiAppPoolCommand,
  mpiWorkerPoolCommand,
  type PoolCommand,
  parsePoolArgs,
  workerPoolCommand,
} from '#internal';
import { eventually } from '../helpers/eventually.js';
import { freshRunDir } from '../helpers/executors.js';
import { killAll, processesWith } from '../helpers/processes.js';

/** A provider that records what a block would run and starts nothing. */
class RecordingProvider implements ExecutionProvider {
  label = 'recording';
  statusPollingInterval = 0;
  initBlocks = 0;
  minBlocks = 0;
  maxBlocks = 4;
  parallelism = 1;
  scriptDir = '';
  readonly submitted: { command: string; tasksPerNode: number }[] = [];
  constructor(public nodesPerBlock = 1) {}
  async submit(command: string, tasksPerNode: number): Promise<string> {
    this.submitted.push({ command, tasksPerNode });
    return String(this.submitted.length);
  }
  async status(ids: string[]): Promise<JobStatus[]> {
    return ids.map(() => new JobStatus(JobState.RUNNING));
  }
  async cancel(ids: string[]): Promise<boolean[]> {
    return ids.map(() => true);
  }
}

let running: { ex: HighThroughputExecutor; marker: string } | null = null;

afterEach(async () => {
  if (running === null) return;
  const { ex, marker } = running;
  running = null;
  try {
    await ex.shutdown();
    await eventually(() => processesWith(marker).length === 0, { what: 'the interchange to exit' });
  } finally {
    killAll(marker);
  }
});

/** Start the executor (its interchange only: the provider starts no pool) and submit one block. */
async function startWithOneBlock(ex: HighThroughputExecutor, name: string) {
  const { runDir, marker, ctx } = freshRunDir(`pool-command-${name}`);
  running = { ex, marker };
  await ex.start(ctx);
  expect(await ex.scaleOut(1)).toEqual(['0']);
  return { runDir, logdir: join(runDir, ex.label), port: ex.interchangePorts!.workerPort };
}

/** The link flags of block 0 of an unencrypted executor on 127.0.0.1 with default heartbeats. */
function defaultLink(port: number, logdir: string) {
  return {
    addresses: '127.0.0.1',
    port,
    'cert-dir': null,
    'block-id': '0',
    'hb-period': 30_000,
    'hb-threshold': 120_000,
    'drain-period': null,
    'address-probe-timeout': 30_000,
    logdir,
    debug: false,
  };
}

/** What the node reads back from the rendered command line. */
function argsOf(cmd: PoolCommand): string[] {
  return flagWords(cmd.flags);
}

describe('pool commands are data, read back by the subcommand they name', () => {
  test('HTEX: worker-pool with the link and worker flags; one pool per node', async () => {
    const provider = new RecordingProvider();
    const ex = new HighThroughputExecutor({
      label: 'htex',
      address: '127.0.0.1',
      maxWorkersPerNode: 3,
      memPerWorker: 0.5,
      cpuAffinity: 'Block',
      availableAccelerators: 2,
      drainPeriod: 5,
      heartbeatPeriod: 0.5,
      workerDebug: true,
      provider,
    });
    const { logdir, port } = await startWithOneBlock(ex, 'htex');
    const cmd = ex.poolCommand('7');
    expect(cmd).toEqual({
      subcommand: 'worker-pool',
      flags: {
        addresses: '127.0.0.1',
        port,
        'cert-dir': join(logdir, 'certificates'),
        'block-id': '7',
        'hb-period': 500,
        'hb-threshold': 120_000,
        'drain-period': 5000,
        'address-probe-timeout': 30_000,
        logdir,
        debug: true,
        'max-workers-per-node': 3,
        'cores-per-worker': 1,
        'mem-per-worker': 0.5,
        'prefetch-capacity': 0,
        'pipeline-ms': 2,
        'cpu-affinity': 'block',
        'available-accelerators': '0,1',
      },
    });
    expect(parsePoolArgs(workerPoolCommand, argsOf(cmd))).toMatchObject({
      addresses: ['127.0.0.1'],
      port,
      certDir: join(logdir, 'certificates'),
      blockId: '7',
      heartbeatPeriodMs: 500,
      heartbeatThresholdMs: 120_000,
      drainPeriodMs: 5000,
      addressProbeTimeoutMs: 30_000,
      logdir,
      debug: true,
      maxWorkersPerNode: 3,
      coresPerWorker: 1,
      memPerWorker: 0.5,
      prefetchCapacity: 0,
      pipelineMs: 2,
      cpuAffinity: 'block',
      availableAccelerators: ['0', '1'],
    });
    expect(provider.submitted).toHaveLength(1);
    const { command, tasksPerNode } = provider.submitted[0]!;
    expect(tasksPerNode).toBe(1);
    expect(command.startsWith(`${process.execPath} `)).toBe(true);
    expect(command.split(' ')).toEqual(expect.arrayContaining(['worker-pool', '--block-id=0', '--debug']));
  });

  test('ExtremeScale: mpi-worker-pool with only the flags its ranks read; behind mpiLauncher, one mpiexec per block', async () => {
    const provider = new RecordingProvider(2);
    const ex = new ExtremeScaleExecutor({
      label: 'exex',
      address: '127.0.0.1',
      encrypted: false,
      ranksPerNode: 3,
      mpi: 'mpich',
      mpiLauncher: 'mpiexec.mpich -n {ranks}',
      pipelineMs: 1,
      dispatchFanout: 8,
      mpiPolling: { maxSleepMicros: 200 },
      hungRankThreshold: 2.5,
      provider,
    });
    const { logdir, port } = await startWithOneBlock(ex, 'exex');
    const cmd = ex.poolCommand('0');
    expect(cmd).toEqual({
      subcommand: 'mpi-worker-pool',
      flags: {
        ...defaultLink(port, logdir),
        'mpi-flavor': 'mpich',
        'pipeline-ms': 1,
        'tree-threshold': 256,
        'tree-fanout': 8,
        'mpi-spin-us': 50,
        'mpi-max-sleep-us': 200,
        'hung-rank-threshold': 2500,
      },
    });
    expect(parsePoolArgs(mpiWorkerPoolCommand, argsOf(cmd))).toMatchObject({
      addresses: ['127.0.0.1'],
      port,
      certDir: null,
      blockId: '0',
      drainPeriodMs: null,
      flavor: 'mpich',
      pipelineMs: 1,
      treeThreshold: 256,
      treeFanout: 8,
      spinMicros: 50,
      maxSleepMicros: 200,
      hungRankThresholdMs: 2500,
      logdir,
      debug: false,
    });
    // The hook: behind mpiLauncher the block's one mpiexec starts every rank, so the provider's launcher runs the
    // command once per node, not once per rank (without mpiLauncher, a launcher that starts MPI gets ranksPerNode).
    expect(provider.submitted).toHaveLength(1);
    const { command, tasksPerNode } = provider.submitted[0]!;
    expect(tasksPerNode).toBe(1);
    expect(command.startsWith(`mpiexec.mpich -n 6 ${process.execPath} `)).toBe(true);
    expect(command.split(' ')).toContain('mpi-worker-pool');
  });

  test('MPIExecutor: mpi-app-pool with the launcher flags, quoted for bash; one pool per block', async () => {
    const provider = new RecordingProvider();
    const ex = new MPIExecutor({
      label: 'mpi-apps',
      address: '127.0.0.1',
      encrypted: false,
      hosts: ['n1', 'n2'],
      slotsPerNode: 4,
      mpiLauncher: 'srun',
      mpiexec: 'mpiexec.openmpi --oversubscribe',
      mpiexecStyle: 'openmpi',
      provider,
    });
    const { logdir, port } = await startWithOneBlock(ex, 'mpi-apps');
    const cmd = ex.poolCommand('0');
    expect(cmd).toEqual({
      subcommand: 'mpi-app-pool',
      flags: {
        ...defaultLink(port, logdir),
        hosts: 'n1,n2',
        'slots-per-node': 4,
        'mpi-launcher': 'srun',
        mpiexec: 'mpiexec.openmpi --oversubscribe',
        'mpiexec-style': 'openmpi',
        'launcher-options': null,
      },
    });
    expect(parsePoolArgs(mpiAppPoolCommand, argsOf(cmd))).toMatchObject({
      hosts: ['n1', 'n2'],
      slotsPerNode: 4,
      prefix: {
        launcher: 'srun',
        mpiexec: 'mpiexec.openmpi --oversubscribe',
        mpiexecStyle: 'openmpi',
        extraOptions: '',
      },
    });
    const { command, tasksPerNode } = provider.submitted[0]!;
    expect(tasksPerNode).toBe(1);
    expect(command).toContain(' mpi-app-pool --addresses=127.0.0.1 ');
    expect(command).toContain(" '--mpiexec=mpiexec.openmpi --oversubscribe' ");
  });
});
