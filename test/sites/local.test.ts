import { writeFileSync } from 'node:fs';
// This machine as a site: the whole site suite for real on a 2-node Slurm, with MPICH (srun, PMI2) and with
// Open MPI (mpiexec inside the job), exactly what `parsl-ts site-test --site local` runs.
import { LocalChannel, runSiteSuite, siteByName } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonMissing, cleanupSessions } from '../helpers/mpi.js';
import { siteResultFile, tempDir } from '../helpers/paths.js';
import { type Service, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('sites-local', 26887, 2);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
  cleanupSessions();
}, 120_000);

for (const [name, flavor] of [
  ['local', 'mpich'],
  ['local-openmpi', 'openmpi'],
] as const) {
  describe(`site ${name}`, () => {
    test('the whole site suite passes: apps, chain, shared FS, mpi_hello, ExtremeScale, scaling, in-allocation job, checkpoint', async (ctx) => {
      skipOrFail(ctx, slurm.missing, addonMissing(flavor));
      const scratch = tempDir(`site-${name}`);
      const site = siteByName(name);
      const run = await runSiteSuite(
        site,
        { scratch: scratch.path, address: '127.0.0.1' },
        { channel: new LocalChannel({ envs: { SLURM_CONF: slurm.env.SLURM_CONF ?? '' } }) },
        { timeoutMs: 120_000 },
      );
      const out = siteResultFile(name, 'site');
      if (out) writeFileSync(out, `${JSON.stringify(run, null, 2)}\n`);
      const failed = run.checks.filter((c) => c.status !== 'pass');
      expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
      expect(run.checks.map((c) => c.name)).toEqual([
        'js-app',
        'bash-app',
        'dependency-chain',
        'shared-fs',
        'mpi-hello',
        'extreme-scale',
        'scale-out-in',
        'in-allocation',
        'checkpoint-resume',
      ]);
      expect(run).toMatchObject({ site: name, mode: 'site', ok: true });
      // The example job ran on every rank of its allocation: 1 workflow rank + 2 worker ranks, all exited.
      expect(run.checks.find((c) => c.name === 'in-allocation')?.detail).toMatch(
        /from 24 tasks on [12] of 2 worker ranks; all 3 ranks exited 0/,
      );
    }, 600_000);
  });
}
