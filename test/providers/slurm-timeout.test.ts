/**
 * Walltime expiry on a real Slurm is TIMEOUT, not FAILED. Slurm's smallest limit is one minute and slurmctld
 * checks limits every 30 s, so this test takes 60–95 s; it has its own cluster so it runs beside the others.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SimpleLauncher } from '../../dist/launchers/index.js';
import { JobState } from '../../dist/providers/index.js';
import { eventually, type Service, tempDir } from './services.js';
import { slurmProvider, startSlurm } from './slurm-setup.js';

let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('slurm-t', 26837);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
});

test('a block that outlives walltime 00:01:00 ends TIMEOUT', { timeout: 200_000 }, async (ctx) => {
  ctx.skip(!slurm.ok, slurm.reason);
  const p = slurmProvider(slurm, {
    scriptDir: await tempDir('slurm-t'),
    walltime: '00:00:30',
    launcher: new SimpleLauncher(),
  });
  const id = await p.submit('sleep 600', 1, 'block-timeout');
  await eventually(async () => ((await p.status([id]))[0]!.state === JobState.RUNNING ? true : undefined));
  const s = await eventually(
    async () => {
      const [st] = await p.status([id]);
      return st?.terminal ? st : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 2_000, what: 'the walltime to expire' },
  );
  expect(JobState[s.state]).toBe('TIMEOUT');
});
