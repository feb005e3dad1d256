import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { addonMissing, FLAVORS, OMPI_ENV } from '../helpers/mpi.js';
import { tempDir } from '../helpers/paths.js';
import { type Service, slurmProvider, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';
import { FAST } from './pools.js';

// ExtremeScaleExecutor blocks as real Slurm jobs whose ranks srun starts: PMIx for Open MPI, PMI2 for MPICH,
// as on a production cluster.
let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('slurm-exex', 26877);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
}, 120_000);

function activeJobs(): string[] {
  const out = execFileSync('squeue', ['--noheader', '--format=%i %t'], {
    env: { ...process.env, SLURM_CONF: slurm.env.SLURM_CONF },
    encoding: 'utf8',
  });
  return out.split('\n').filter((l) => / (R|PD|CG)$/.test(l));
}

for (const flavor of FLAVORS) {
  describe(`ExtremeScaleExecutor on Slurm with srun (${flavor})`, () => {
    test('tasks run on the worker ranks of a Slurm job; cleanup cancels the job', async (ctx) => {
      skipOrFail(ctx, addonMissing(flavor), slurm.missing);
      const dir = tempDir(`exex-slurm-${flavor}`).path;
      const ex = new parsl.ExtremeScaleExecutor({
        label: `exex_slurm_${flavor}`,
        address: '127.0.0.1',
        encrypted: false,
        ranksPerNode: 3,
        mpi: flavor,
        ...FAST,
        provider: slurmProvider(slurm, {
          launcher: new parsl.SrunLauncher({ overrides: flavor === 'openmpi' ? '--mpi=pmix' : '--mpi=pmi2' }),
          workerInit: OMPI_ENV,
          walltime: '00:10:00',
          initBlocks: 1,
          minBlocks: 0,
          maxBlocks: 1,
        }),
      });
      const dfk = await parsl.load(
        new parsl.Config({ executors: [ex], runDir: join(dir, 'runinfo'), strategy: 'none' }),
      );
      let jobId = '';
      try {
        const rankOf = parsl.app(() => ({
          rank: Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMIX_RANK ?? process.env.PMI_RANK),
          job: process.env.SLURM_JOB_ID ?? '',
        }));
        const outs = await Promise.all(Array.from({ length: 200 }, () => rankOf()));
        const ranks = new Set(outs.map((o) => o.rank));
        // Rank 0 dispatches and never runs tasks; both worker ranks do.
        expect([...ranks].sort()).toEqual([1, 2]);
        jobId = outs[0]!.job;
        expect(jobId).toMatch(/^\d+$/);
        expect(activeJobs().some((l) => l.startsWith(`${jobId} `))).toBe(true);
      } finally {
        await dfk.cleanup();
        parsl.clear();
      }
      await eventually(() => !activeJobs().some((l) => l.startsWith(`${jobId} `)), {
        what: `Slurm job ${jobId} to end`,
        intervalMs: 250,
      });
    }, 180_000);
  });
}
