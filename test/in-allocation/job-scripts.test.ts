// The example job scripts of the in-allocation executor run as a user would submit them: slurm.sh through sbatch
// on a private single-node Slurm (srun starts the ranks: PMIx for Open MPI, PMI-2 for MPICH), pbs.sh as PBS would
// run it (a $PBS_NODEFILE of 3 slots and the site's plain `mpiexec`, here MPICH's). Uses system services: run it
// with `testslot --exclusive`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { type Service, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

const PARSL_TS = `node ${join(REPO, 'dist/cli/main.js')}`;
const WORKFLOW = join(REPO, 'examples/in-allocation/workflow.mjs');
const PROMISE = /^pi ≈ 3\.1\d* from 40 tasks on [1-2] of 2 worker ranks$/m;

let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('slurm-in-allocation', 26907);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
}, 120_000);

describe('examples/in-allocation/slurm.sh', () => {
  for (const flavor of FLAVORS) {
    test(`runs the workflow on 3 ranks of one Slurm job (${flavor})`, async (ctx) => {
      skipOrFail(ctx, addonMissing(flavor), slurm.missing);
      const dir = tempDir(`in-allocation-slurm-${flavor}`);
      try {
        const env = { ...process.env, SLURM_CONF: slurm.env.SLURM_CONF ?? '' };
        const out = join(dir.path, 'job.out');
        const submitted = execFileSync(
          'sbatch',
          [
            '--parsable',
            '--nodes=1',
            '--ntasks=3',
            '--ntasks-per-node=3',
            `--output=${out}`,
            `--chdir=${dir.path}`,
            `--export=ALL,PARSL_TS=${PARSL_TS},SRUN_MPI=${flavor === 'openmpi' ? 'pmix' : 'pmi2'},PARSL_MPI_FLAVOR=${flavor}`,
            join(REPO, 'examples/in-allocation/slurm.sh'),
            WORKFLOW,
            '40',
          ],
          { env, encoding: 'utf8' },
        );
        const jobId = submitted.trim().split(';')[0]!;
        await eventually(
          () => {
            const q = execFileSync('squeue', ['--noheader', '--job', jobId, '--format=%t'], {
              env,
              encoding: 'utf8',
            });
            return q.trim() === '';
          },
          { what: `Slurm job ${jobId} to finish`, timeoutMs: 120_000 },
        );
        const text = existsSync(out) ? readFileSync(out, 'utf8') : '(no output file)';
        expect(text).toMatch(PROMISE);
        // (this Slurm keeps no accounting, so the job's state is not checked: its output says it all)
      } finally {
        dir.remove();
      }
    }, 180_000);
  }
});

describe('examples/in-allocation/pbs.sh', () => {
  test("runs the workflow on the slots of $PBS_NODEFILE with the site's mpiexec", (ctx) => {
    skipOrFail(ctx, addonMissing('mpich'));
    const dir = tempDir('in-allocation-pbs');
    try {
      const bin = join(dir.path, 'bin');
      mkdirSync(bin);
      // A wrapper, not a link: Hydra finds its proxy next to the path it was started as.
      writeFileSync(join(bin, 'mpiexec'), '#!/bin/sh\nexec mpiexec.mpich "$@"\n', { mode: 0o755 });
      const nodes = join(dir.path, 'nodefile');
      writeFileSync(nodes, 'localhost\nlocalhost\nlocalhost\n');
      const r = spawnSync('bash', [join(REPO, 'examples/in-allocation/pbs.sh')], {
        cwd: dir.path,
        encoding: 'utf8',
        timeout: 90_000,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          PBS_NODEFILE: nodes,
          PBS_O_WORKDIR: dir.path,
          PARSL_TS,
          WORKFLOW,
          WORKFLOW_ARGS: '40',
        },
      });
      expect(r.stdout, r.stderr).toMatch(PROMISE);
      expect(r.status, r.stderr).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
