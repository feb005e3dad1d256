import * as parsl from 'parsl-ts';
import { describe, expect, it } from 'vitest';
import { decodeSetup, encodeSetup, launchedWorld } from '#internal';

describe('launchedWorld: rank and size from the launcher environment, before MPI starts', () => {
  it("reads Open MPI's mpiexec", () => {
    expect(launchedWorld({ OMPI_COMM_WORLD_RANK: '2', OMPI_COMM_WORLD_SIZE: '4' })).toMatchObject({
      rank: 2,
      size: 4,
      flavor: 'openmpi',
    });
  });
  it("reads MPICH's Hydra (and PMI-2 srun)", () => {
    expect(launchedWorld({ PMI_RANK: '0', PMI_SIZE: '3' })).toMatchObject({
      rank: 0,
      size: 3,
      flavor: 'mpich',
    });
  });
  it('reads srun with PMIx', () => {
    expect(launchedWorld({ PMIX_RANK: '5', SLURM_STEP_NUM_TASKS: '8' })).toMatchObject({ rank: 5, size: 8 });
  });
  it("reads an srun step's own variables when its PMI announces nothing before MPI_Init", () => {
    expect(launchedWorld({ SLURM_PROCID: '1', SLURM_STEP_NUM_TASKS: '3' })).toMatchObject({
      rank: 1,
      size: 3,
    });
    // A batch script has SLURM_PROCID and SLURM_NTASKS but is no step of ranks.
    expect(launchedWorld({ SLURM_PROCID: '0', SLURM_NTASKS: '64' })).toBeNull();
  });
  it('is null without a launcher, without a size, or with a rank outside the world', () => {
    expect(launchedWorld({})).toBeNull();
    expect(launchedWorld({ PMIX_RANK: '0' })).toBeNull();
    expect(launchedWorld({ PMI_RANK: '3', PMI_SIZE: '3' })).toBeNull();
    expect(launchedWorld({ PMI_RANK: 'x', PMI_SIZE: '3' })).toBeNull();
  });
});

describe('MPICommExecutor options', () => {
  it('has defaults that match the ExtremeScaleExecutor', () => {
    const ex = new parsl.MPICommExecutor();
    expect(ex).toMatchObject({
      label: 'mpi-comm',
      pipelineMs: 2,
      dispatchTreeThreshold: 256,
      dispatchFanout: 64,
      hungRankThreshold: 30,
    });
    expect(ex.outstanding()).toBe(0);
  });
  it('refuses an unknown option, naming it and the known ones', () => {
    expect(() => new parsl.MPICommExecutor({ ranks: 4 } as never)).toThrow(
      /MPICommExecutor: unknown option 'ranks' \(known options: .*hungRankThreshold/,
    );
  });
  it("refuses Parsl's snake_case spelling, naming the camelCase one", () => {
    expect(() => new parsl.MPICommExecutor({ hung_rank_threshold: 4 } as never)).toThrow(
      /'hungRankThreshold'/,
    );
  });
  it('refuses ill-typed values, naming the option', () => {
    expect(() => new parsl.MPICommExecutor({ hungRankThreshold: 0.01 })).toThrow(/hungRankThreshold/);
    expect(() => new parsl.MPICommExecutor({ dispatchFanout: 0 })).toThrow(/dispatchFanout/);
    expect(() => new parsl.MPICommExecutor({ pipelineMs: -1 })).toThrow(/pipelineMs/);
    expect(() => new parsl.MPICommExecutor({ label: '' })).toThrow(/label/);
  });
  it('fails a task submitted before start with BadStateException', async () => {
    const ex = new parsl.MPICommExecutor();
    const outcome = await new Promise<parsl.TaskOutcome>((resolve) =>
      ex.submit({ id: 1 } as parsl.ExecutorTask, resolve),
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/executor mpi-comm: submit while new/);
  });
});

describe('the SETUP message', () => {
  it('round-trips, and a malformed one names the missing field', () => {
    const s = { treeThreshold: 256, treeFanout: 64, hungRankThresholdMs: 30_000, pipelineMs: 2 };
    expect(decodeSetup(encodeSetup(s))).toEqual(s);
    expect(() => decodeSetup(Buffer.from('{"treeThreshold":1}'))).toThrow(/treeFanout is missing/);
  });
});
