import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { type Service, slurmProvider, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

// The HighThroughputExecutor with its blocks as real Slurm jobs: the worker pool starts through srun inside
// an sbatch job on this host's single-node Slurm, exactly as on a cluster.
let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('slurm-htex', 26867);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
}, 120_000);

function squeueJobs(): string[] {
  const out = execFileSync('squeue', ['--noheader', '--format=%i %t'], {
    env: { ...process.env, SLURM_CONF: slurm.env.SLURM_CONF },
    encoding: 'utf8',
  });
  return out.split('\n').filter((l) => l.trim() !== '');
}

test('HTEX on SlurmProvider + SrunLauncher runs tasks in a Slurm job and cancels the job at cleanup', async (ctx) => {
  skipOrFail(ctx, slurm.missing);
  const dir = tempDir('htex-slurm').path;
  const dfk = await parsl.load(
    new parsl.Config({
      runDir: join(dir, 'runinfo'),
      strategy: 'none',
      executors: [
        new parsl.HighThroughputExecutor({
          label: 'htex_slurm',
          maxWorkersPerNode: 2,
          encrypted: true,
          address: '127.0.0.1',
          provider: slurmProvider(slurm, {
            launcher: new parsl.SrunLauncher(),
            walltime: '00:10:00',
            initBlocks: 1,
            minBlocks: 0,
            maxBlocks: 1,
          }),
        }),
      ],
    }),
  );
  try {
    const where = parsl.app(() => `${process.env.SLURM_JOB_ID}:${process.env.PARSL_WORKER_BLOCK_ID}`);
    const square = parsl.app((x: number) => x * x);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => square(i)));
    expect(results.reduce((a, b) => a + b, 0)).toBe(2646700);
    const seen = await where();
    const [jobId, blockId] = seen.split(':');
    expect(jobId).toMatch(/^\d+$/);
    expect(blockId).toBe('0');
    expect(squeueJobs().some((l) => l.startsWith(`${jobId} `))).toBe(true);
  } finally {
    await dfk.cleanup();
    parsl.clear();
  }
  // Cleanup scales every block in: the Slurm job is cancelled, not left to its walltime.
  await eventually(() => !squeueJobs().some((l) => / (R|PD)$/.test(l)), {
    what: 'no Slurm job running or pending',
    intervalMs: 250,
  });
}, 180_000);
