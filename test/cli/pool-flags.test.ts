import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { mpiAppPoolCommand, mpiWorkerPoolCommand, parsePoolArgs, workerPoolCommand } from '#internal';

type AnyPool = Parameters<typeof parsePoolArgs>[0];

const LINK = ['-a', '10.0.0.1,,10.0.0.2', '--port', '5500'];

/** The link's defaults, as a pool started by hand without the executor's flags reads them. */
const LINK_DEFAULTS = {
  addresses: ['10.0.0.1', '10.0.0.2'],
  port: 5500,
  certDir: null,
  blockId: null,
  heartbeatPeriodMs: 30_000,
  heartbeatThresholdMs: 120_000,
  drainPeriodMs: null,
  addressProbeTimeoutMs: 30_000,
  logdir: '.',
  debug: false,
};

describe('pool subcommands read only their own flags', () => {
  test('worker-pool: link flags plus the worker flags, with the executor defaults', () => {
    const o = parsePoolArgs(workerPoolCommand, LINK);
    expect(o).toMatchObject({
      ...LINK_DEFAULTS,
      maxWorkersPerNode: Number.POSITIVE_INFINITY,
      coresPerWorker: 1,
      memPerWorker: null,
      prefetchCapacity: 0,
      pipelineMs: 2,
      cpuAffinity: 'none',
      availableAccelerators: [],
    });
    expect(o.uid).toMatch(/^[0-9a-f]{12}$/);
    expect(
      parsePoolArgs(workerPoolCommand, [...LINK, '--uid=u1', '--block-id=3', '-c', '2', '--drain-period=10']),
    ).toMatchObject({ uid: 'u1', blockId: '3', coresPerWorker: 2, drainPeriodMs: 10 });
  });

  test('mpi-worker-pool: link flags plus the rank flags, with the ExtremeScale defaults', () => {
    expect(parsePoolArgs(mpiWorkerPoolCommand, LINK)).toMatchObject({
      ...LINK_DEFAULTS,
      flavor: null,
      pipelineMs: 2,
      treeThreshold: 256,
      treeFanout: 64,
      spinMicros: 50,
      maxSleepMicros: 1000,
      hungRankThresholdMs: 30_000,
    });
    expect(parsePoolArgs(mpiWorkerPoolCommand, [...LINK, '--mpi-flavor', 'openmpi'])).toMatchObject({
      flavor: 'openmpi',
    });
  });

  test('mpi-app-pool: link flags plus the launcher flags, with the MPIExecutor defaults', () => {
    expect(parsePoolArgs(mpiAppPoolCommand, LINK)).toMatchObject({
      ...LINK_DEFAULTS,
      hosts: null,
      slotsPerNode: null,
      prefix: { launcher: 'mpiexec', mpiexec: 'mpiexec', mpiexecStyle: 'mpich', extraOptions: '' },
    });
  });

  test.each<[string, AnyPool, string[]]>([
    ['worker-pool', workerPoolCommand, ['--tree-fanout=4', '--hosts=a', '--mpi-flavor=mpich', '--apps']],
    [
      'mpi-worker-pool',
      mpiWorkerPoolCommand,
      ['--max-workers-per-node=2', '--cpu-affinity=block', '--apps', '--hosts=a', '--slots-per-node=2'],
    ],
    ['mpi-app-pool', mpiAppPoolCommand, ['--pipeline-ms=2', '--mpi-flavor=mpich', '-c', '--tree-fanout=4']],
  ])('%s refuses a flag another pool reads', (_name, sub, foreign) => {
    for (const flag of foreign)
      expect(() => parsePoolArgs(sub, [...LINK, flag]), flag).toThrow(`unknown option '${flag}'`);
  });

  test('missing link flags and bad values are refused with what is wrong', () => {
    expect(() => parsePoolArgs(workerPoolCommand, ['-a', 'h'])).toThrow(/required option '--port <n>'/);
    expect(() => parsePoolArgs(mpiAppPoolCommand, ['--port=1'])).toThrow(/required option '-a, --addresses/);
    expect(() => parsePoolArgs(workerPoolCommand, [...LINK, '--hb-period=soon'])).toThrow(
      /expected an integer/,
    );
    expect(() => parsePoolArgs(workerPoolCommand, [...LINK, '--cpu-affinity=bogus'])).toThrow(/bogus/);
    expect(() => parsePoolArgs(mpiWorkerPoolCommand, [...LINK, '--mpi-flavor=lam'])).toThrow(
      /Allowed choices are openmpi, mpich/,
    );
    expect(() => parsePoolArgs(mpiAppPoolCommand, [...LINK, '--mpi-launcher=jsrun'])).toThrow(
      /Allowed choices are mpiexec, srun, aprun/,
    );
  });

  test('the installed command refuses what the old combined pool accepted', () => {
    const r = spawnSync(resolve('dist/cli/main.js'), ['mpi-worker-pool', ...LINK, '--apps'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toContain("unknown option '--apps'");
    expect(r.status).toBe(1);
    const help = spawnSync(resolve('dist/cli/main.js'), ['--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(help.stdout).toMatch(/worker-pool[\s\S]*mpi-worker-pool[\s\S]*mpi-app-pool/);
  });
});
