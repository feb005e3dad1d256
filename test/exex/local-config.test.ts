// Parsl's documented local ExtremeScale config, `ExtremeScaleExecutor({ ranksPerNode: 4, provider: LocalProvider() })`:
// the executor puts an mpiexec in front of its pool when the provider's launcher does not start MPI, and refuses at
// construction what it cannot start, naming the launcher to use.
import * as parsl from 'parsl-ts';
import {
  ConfigurationError,
  ExtremeScaleExecutor,
  LocalProvider,
  MpiExecLauncher,
  SimpleLauncher,
  SingleNodeLauncher,
} from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { freshRunDir } from '../helpers/executors.js';
import { addonMissing } from '../helpers/mpi.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';
import { skipOrFail } from '../helpers/skip.js';

describe("Parsl's local ExtremeScale config", () => {
  let marker = '';
  afterEach(() => {
    if (marker !== '') killAll(marker);
  });

  test('ranksPerNode 4 on a LocalProvider runs apps in one 4-rank MPI job, and cleanup ends it', async (ctx) => {
    skipOrFail(ctx, addonMissing('mpich'));
    const { runDir } = freshRunDir('exex-local');
    marker = runDir;
    const ex = new ExtremeScaleExecutor({ ranksPerNode: 4, provider: new LocalProvider() });
    expect(ex.mpiLauncher).toBe('mpiexec.mpich -n {ranks}');
    const dfk = await parsl.load({ executors: [ex], runDir });
    try {
      const where = parsl.app(() => `${process.env.PMI_SIZE} ${Number(process.env.PMI_RANK) > 0}`);
      const seen = await Promise.all(Array.from({ length: 8 }, () => where()));
      expect(new Set(seen)).toEqual(new Set(['4 true']));
    } finally {
      await dfk.cleanup();
    }
    await expectNoProcessLeft(runDir);
  });

  test('an explicit flavour picks its mpiexec; Open MPI may oversubscribe the cores', () => {
    const ex = new ExtremeScaleExecutor({ mpi: 'openmpi', provider: new LocalProvider() });
    expect([ex.mpiLauncher, ex.mpi]).toEqual(['mpiexec.openmpi --oversubscribe -n {ranks}', 'openmpi']);
  });

  test('a launcher that starts MPI keeps the pool command as it is', () => {
    const ex = new ExtremeScaleExecutor({
      provider: new LocalProvider({ launcher: new MpiExecLauncher() }),
    });
    expect(ex.mpiLauncher).toBeNull();
  });

  test('a many-node block with a launcher that only runs commands is refused, naming MPI launchers', () => {
    const make = () =>
      new ExtremeScaleExecutor({
        provider: new LocalProvider({ nodesPerBlock: 2, launcher: new SingleNodeLauncher() }),
      });
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(/2 nodes.*SingleNodeLauncher only runs commands.*MpiExecLauncher/);
  });

  test('mpiLauncher together with a launcher that starts MPI is refused', () => {
    const make = () =>
      new ExtremeScaleExecutor({
        mpiLauncher: 'mpiexec -n {ranks}',
        provider: new LocalProvider({ launcher: new MpiExecLauncher() }),
      });
    expect(make).toThrow(/MpiExecLauncher starts the MPI ranks itself.*start MPI twice/);
  });

  test('an mpiLauncher given with SimpleLauncher is used as given', () => {
    const ex = new ExtremeScaleExecutor({
      mpiLauncher: 'mpirun -np {ranks}',
      provider: new LocalProvider({ launcher: new SimpleLauncher() }),
    });
    expect(ex.mpiLauncher).toBe('mpirun -np {ranks}');
  });
});
