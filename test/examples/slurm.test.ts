import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { type Service, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

// examples/slurm.ts against this machine's real Slurm (a private cluster), as a user on a login node runs it.
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('examples-slurm', 26907);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
}, 120_000);

test('examples/slurm.ts runs its tasks in a Slurm job and cancels it', { timeout: 180_000 }, async (ctx) => {
  skipOrFail(ctx, slurm.missing);
  const dir = tempDir('example-slurm');
  try {
    const env = { ...process.env, ...slurm.env };
    const r = spawnSync(process.execPath, ['--import', TSX, resolve('examples/slurm.ts')], {
      cwd: dir.path,
      env,
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^20 tasks ran in Slurm: job \d+ on \S+$/m);
    expect(r.status).toBe(0);
    await eventually(
      () => spawnSync('squeue', ['--noheader'], { env, encoding: 'utf8' }).stdout.trim() === '',
      { what: 'the Slurm queue to be empty after cleanup', intervalMs: 500 },
    );
  } finally {
    dir.remove();
  }
});
