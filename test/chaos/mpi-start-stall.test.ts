import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { expect, test } from 'vitest';
import { blockProcesses } from '../exex/pools.js';
import { eventually } from '../helpers/eventually.js';
import { isStopped } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { describeEachRun } from './each-run.js';
import type { Run } from './runs.js';

/** Stderr of `block`'s job (the launcher's and every rank's). */
function blockStderr(run: Run, block: string): string {
  const dir = join(run.dfk.runDir, 'submit_scripts');
  const err = readdirSync(dir).find((f) => f.includes(`.block-${block}.`) && f.endsWith('.sh.err'));
  return err === undefined ? '' : readFileSync(join(dir, err), 'utf8');
}

const double = parsl.app((x: number) => 2 * x);

// A rank stopped before MPI has started holds every other rank of its job inside MPI_Init, where no ping reaches
// them: rank 0 never registers, and before the fix the block ran on serving nothing until its walltime (the chaos
// killer stopping a rank of a block still starting up stalled every task of an Open MPI run).
/** Rank `victim` of the first block stops itself before its pool starts; later blocks start normally. */
const stopOnce = (victim: number) =>
  `if [ "$RANK" = ${victim} ] && mkdir "$SCRIPT_DIR/stopped-once" 2>/dev/null; then kill -STOP $$; fi`;

describeEachRun(
  (kind) => `${kind}: a rank stopped before MPI starts`,
  (_kind, start) => {
    for (const victim of [0, 1]) {
      test(`rank ${victim}: the other ranks give up on MPI and the block ends, while the other block serves`, async () => {
        const r = await start(`start-stall-${victim}`, { blocks: 2, beforeRank: stopOnce(victim) });
        await eventually(() => r.processes().some(isStopped), { what: `rank ${victim} of block 0 stopped` });
        expect(await Promise.all(Array.from({ length: 8 }, (_, i) => double(i)))).toEqual([
          0, 2, 4, 6, 8, 10, 12, 14,
        ]);
        // Block 0 ends on its own, stopped rank and launcher included, and its ranks name why.
        await eventually(() => blockProcesses(r.runDir, '0').length === 0, {
          what: 'every process of block 0 gone',
        });
        expect(blockStderr(r, '0')).toMatch(/MPI did not start within \d+ ms/);
        expect((await r.ex.connectedManagers()).map((m) => m.blockId)).toEqual(['1']);
      });
    }

    test('the only block: tasks fail with an error naming the cause, not a stall', async () => {
      const r = await start('start-stall-only', { blocks: 1, beforeRank: stopOnce(1) });
      expectLogErrors(r.runDir, /is in a bad state/);
      // A block whose pool never came up is what the block error handler judges: every block failed.
      await expect(double(1)).rejects.toThrow(/every block failed[\s\S]*MPI did not start within \d+ ms/);
    });
  },
  ['exex-openmpi', 'exex-mpich'],
);
