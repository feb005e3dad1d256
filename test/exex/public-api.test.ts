import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { ExtremeScaleExecutor, LocalProvider, MpiExecLauncher } from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freshRunDir } from '../helpers/executors.js';
import { addonMissing, FLAVORS, OMPI_ENV } from '../helpers/mpi.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';
import { skipOrFail } from '../helpers/skip.js';
import { FAST, poolRanks } from './pools.js';

for (const flavor of FLAVORS) {
  describe(`ExtremeScaleExecutor through parsl.load and MpiExecLauncher (${flavor})`, () => {
    let marker = '';
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    afterEach(() => {
      if (marker !== '') killAll(marker);
    });

    test('apps run on worker ranks; cleanup ends every rank', async () => {
      const { runDir } = freshRunDir(`exex-public-${flavor}`);
      marker = runDir;
      // MpiExecLauncher calls plain `mpiexec`: point it at this flavour's.
      const bin = join(runDir, 'bin');
      mkdirSync(bin);
      // A wrapper, not a symlink: Hydra finds its proxy next to the path it was started as.
      writeFileSync(join(bin, 'mpiexec'), `#!/bin/sh\nexec /usr/bin/mpiexec.${flavor} "$@"\n`, {
        mode: 0o755,
      });
      const ex = new ExtremeScaleExecutor({
        label: 'exex',
        address: '127.0.0.1',
        encrypted: false,
        ranksPerNode: 3,
        mpi: flavor,
        ...FAST,
        provider: new LocalProvider({
          launcher: new MpiExecLauncher({
            debug: false,
            overrides: flavor === 'openmpi' ? '--oversubscribe' : '',
          }),
          workerInit: `${OMPI_ENV}; export PATH=${bin}:$PATH`,
          initBlocks: 0,
          statusPollingInterval: 200,
        }),
      });
      const dfk = await parsl.load(new parsl.Config({ executors: [ex], runDir, strategy: 'none' }));
      try {
        await ex.scaleOut(1);
        const rankOf = parsl.app((x: number) => [
          x * 2,
          Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK),
        ]);
        const outs = await Promise.all(Array.from({ length: 300 }, (_, i) => rankOf(i)));
        expect(outs.map((o) => o[0])).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
        expect(new Set(outs.map((o) => o[1]))).toEqual(new Set([1, 2]));
        const echo = parsl.bashApp(
          (word: string) => `test "$OMPI_COMM_WORLD_RANK$PMI_RANK" != 0 && echo ${word}`,
        );
        await expect(echo('hi')).resolves.toBe(0);
        const fail = parsl.app(() => {
          throw new RangeError('from a rank');
        });
        await expect(fail()).rejects.toThrow('from a rank');
        expect(poolRanks(runDir)).toHaveLength(3);
      } finally {
        await dfk.cleanup();
      }
      await expectNoProcessLeft(runDir);
    });
  });
}
