/**
 * SlurmProvider against real Slurm clusters (slurm-wlm + munge) started by scripts/services/slurm.sh: one
 * single-node cluster and one with two fake nodes (n1, n2) on this host, started side by side. One file, so
 * the two-node tests run while the walltime job waits for its limit.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  JobState,
  SimpleLauncher,
  type SlurmProvider,
  SrunLauncher,
  SrunMPILauncher,
  SubmitException,
} from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { buildMpiHello, mpiMissing } from '../helpers/mpi.js';
import { tempDir } from '../helpers/paths.js';
import { type Service, slurmProvider, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

const run = promisify(execFile);
let slurm: Service;
let slurm2: Service;
// The walltime job is submitted first and checked last: Slurm's smallest limit is one minute and slurmctld
// checks limits every 30 s, so it needs 60–95 s, which the other tests use meanwhile.
let timeoutJob: { provider: SlurmProvider; id: string } | undefined;

beforeAll(async () => {
  [slurm, slurm2] = await Promise.all([startSlurm('slurm-1', 26817), startSlurm('slurm-2', 26827, 2)]);
  if (slurm.missing !== null) return;
  const provider = slurmProvider(slurm, {
    scriptDir: tempDir('slurm-t').path,
    walltime: '00:00:30',
    launcher: new SimpleLauncher(),
  });
  timeoutJob = { provider, id: await provider.submit('sleep 600', 1, 'block-timeout') };
}, 300_000);
afterAll(async () => {
  await Promise.all([slurm?.stop(), slurm2?.stop()]);
});

async function untilState(p: SlurmProvider, id: string, want: (s: JobState) => boolean, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const [s] = await p.status([id]);
      return s && want(s.state) ? s : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `job ${id} to reach the awaited state` },
  );
}

describe('SlurmProvider on a real single-node Slurm', () => {
  test('the submitted job runs the launcher-wrapped command once per task; COMPLETED', async (ctx) => {
    skipOrFail(ctx, slurm.missing);
    const scriptDir = tempDir('slurm-scripts').path;
    const out = tempDir('slurm-out').path;
    const p = slurmProvider(slurm, {
      scriptDir,
      coresPerNode: 2,
      memPerNode: 1,
      workerInit: 'export FROM_INIT=yes',
    });
    const id = await p.submit(`touch ${out}/task-$SLURM_PROCID-$FROM_INIT-$PARSL_CORES`, 2, 'block-0');
    expect(id).toMatch(/^\d+$/);
    const script = await readFile(join(scriptDir, (await readdir(scriptDir))[0] as string), 'utf8');
    for (const d of [
      '#SBATCH --nodes=1',
      '#SBATCH --time=10',
      '#SBATCH --ntasks-per-node=2',
      '#SBATCH --mem=1g',
      '#SBATCH --cpus-per-task=1',
    ]) {
      expect(script).toContain(d);
    }
    const s = await untilState(p, id, (st) => st === JobState.COMPLETED);
    expect(s.stdoutPath).toMatch(/block-0\..*\.submit\.stdout$/);
    expect((await readdir(out)).sort()).toEqual(['task-0-yes-1', 'task-1-yes-1']);
    expect(await readFile(s.stdoutPath as string, 'utf8')).toContain('Found cores');
  });

  test('RUNNING while it runs; cancel → CANCELLED here and in Slurm', async (ctx) => {
    skipOrFail(ctx, slurm.missing);
    const p = slurmProvider(slurm, { scriptDir: tempDir('slurm-scripts').path });
    const started = join(tempDir('slurm-cancel').path, 'started');
    const id = await p.submit(`touch ${started}; sleep 300`, 1, 'block-1');
    await untilState(p, id, (st) => st === JobState.RUNNING);
    // squeue says R as soon as the job is allocated, before slurmd has launched its script. A job cancelled in
    // that window may stay CG (completing) until slurmd reports back, which under load took over 30 s: cancel
    // once the script runs, the case the test is about.
    await eventually(() => existsSync(started), { what: `job ${id}'s script to start`, intervalMs: 200 });
    expect(await p.cancel([id])).toEqual([true]);
    expect((await p.status([id]))[0]!.state).toBe(JobState.CANCELLED);
    const env = { ...process.env, SLURM_CONF: slurm.env.SLURM_CONF };
    await eventually(
      async () => {
        const { stdout } = await run('squeue', ['-h', '-t', 'all', '-o', '%t', '-j', id], { env });
        return stdout.trim() === 'CA';
      },
      { what: `squeue to show job ${id} as CA`, intervalMs: 500 },
    );
  });

  test('a failing block → FAILED (squeue F); a batch of ids is polled in one command', async (ctx) => {
    skipOrFail(ctx, slurm.missing);
    const p = slurmProvider(slurm, {
      scriptDir: tempDir('slurm-scripts').path,
      launcher: new SrunLauncher({ debug: false }),
    });
    const bad = await p.submit('exit 3', 1, 'block-2');
    const good = await p.submit('true', 1, 'block-3');
    const states = await eventually(
      async () => {
        const s = await p.status([bad, good]);
        return s.every((x) => x.terminal) ? s.map((x) => JobState[x.state]) : undefined;
      },
      { what: `jobs ${bad} and ${good} to end`, timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(states).toEqual(['FAILED', 'COMPLETED']);
  });

  test('sbatch refusing the job → SubmitException with Slurm’s reason', async (ctx) => {
    skipOrFail(ctx, slurm.missing);
    const p = slurmProvider(slurm, { scriptDir: tempDir('slurm-scripts').path, partition: 'nosuch' });
    const err = await p.submit('true', 1, 'block-x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitException);
    expect((err as Error).message).toMatch(/invalid partition/i);
  });

  test('srun --mpi=pmix (SrunLauncher overrides) starts one Open MPI job of 2 ranks', async (ctx) => {
    skipOrFail(ctx, slurm.missing, mpiMissing('openmpi'));
    const dir = tempDir('slurm-mpi').path;
    const hello = await buildMpiHello('openmpi', dir);
    const out = join(dir, 'ranks');
    await mkdir(out);
    const p = slurmProvider(slurm, {
      scriptDir: dir,
      launcher: new SrunLauncher({ overrides: '--mpi=pmix' }),
    });
    const id = await p.submit(`${hello} ${out}`, 2, 'block-mpi');
    const s = await untilState(p, id, (st) => st !== JobState.PENDING && st !== JobState.RUNNING);
    expect(JobState[s.state]).toBe('COMPLETED');
    expect((await readdir(out)).map((f) => f.split('-').slice(0, 4).join('-')).sort()).toEqual([
      'rank-0-of-2',
      'rank-1-of-2',
    ]);
  });
});

async function finished(p: SlurmProvider, id: string) {
  return eventually(
    async () => {
      const [s] = await p.status([id]);
      return s?.terminal ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `job ${id} to end` },
  );
}

describe('SlurmProvider with nodesPerBlock: 2 (two fake nodes)', () => {
  test('SrunLauncher runs tasksPerNode copies on each of the 2 nodes', async (ctx) => {
    skipOrFail(ctx, slurm2.missing);
    const out = tempDir('slurm2-out').path;
    const p = slurmProvider(slurm2, { scriptDir: tempDir('slurm2').path, nodesPerBlock: 2 });
    const id = await p.submit(`touch ${out}/task-$SLURM_PROCID-$SLURMD_NODENAME`, 2, 'block-0');
    expect(JobState[(await finished(p, id)).state]).toBe('COMPLETED');
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(4);
    expect(new Set(files.map((f) => f.split('-')[2]))).toEqual(new Set(['n1', 'n2']));
  });

  test('srun --mpi=pmi2 runs one MPICH job across both nodes', async (ctx) => {
    skipOrFail(ctx, slurm2.missing, mpiMissing('mpich'));
    const dir = tempDir('slurm2-mpi').path;
    const hello = await buildMpiHello('mpich', dir);
    const p = slurmProvider(slurm2, {
      scriptDir: dir,
      nodesPerBlock: 2,
      launcher: new SrunLauncher({ overrides: '--mpi=pmi2' }),
    });
    const out = join(dir, 'ranks');
    await mkdir(out);
    const id = await p.submit(
      `mkdir -p ${out}/$SLURMD_NODENAME && ${hello} ${out}/$SLURMD_NODENAME`,
      1,
      'block-mpi',
    );
    expect(JobState[(await finished(p, id)).state]).toBe('COMPLETED');
    const n1 = (await readdir(join(out, 'n1'))).map((f) => f.split('-').slice(0, 4).join('-'));
    const n2 = (await readdir(join(out, 'n2'))).map((f) => f.split('-').slice(0, 4).join('-'));
    expect([...n1, ...n2].sort()).toEqual(['rank-0-of-2', 'rank-1-of-2']);
  });

  test('SrunMPILauncher splits the block into one srun --exclusive step per node (pmi2 MPI jobs of 1 node)', async (ctx) => {
    skipOrFail(ctx, slurm2.missing, mpiMissing('mpich'));
    const dir = tempDir('slurm2-srunmpi').path;
    const hello = await buildMpiHello('mpich', dir);
    const p = slurmProvider(slurm2, {
      scriptDir: dir,
      nodesPerBlock: 2,
      launcher: new SrunMPILauncher({ overrides: '--mpi=pmi2' }),
    });
    const out = join(dir, 'ranks');
    await mkdir(out);
    const id = await p.submit(
      `mkdir -p ${out}/$SLURMD_NODENAME && ${hello} ${out}/$SLURMD_NODENAME`,
      1,
      'block-smpi',
    );
    expect(JobState[(await finished(p, id)).state]).toBe('COMPLETED');
    const nodes = (await readdir(out)).sort();
    expect(nodes).toEqual(['n1', 'n2']);
    for (const n of nodes) {
      expect((await readdir(join(out, n))).map((f) => f.split('-').slice(0, 4).join('-'))).toEqual([
        'rank-0-of-1',
      ]);
    }
  });
});

// Last, so the other tests run while this job waits for its limit.
test('a block that outlives its walltime (00:00:30 → --time=1) ends TIMEOUT, not FAILED', {
  timeout: 200_000,
}, async (ctx) => {
  skipOrFail(ctx, slurm.missing);
  const { provider, id } = timeoutJob as { provider: SlurmProvider; id: string };
  const s = await untilState(
    provider,
    id,
    (st) => st !== JobState.PENDING && st !== JobState.RUNNING,
    180_000,
  );
  expect(JobState[s.state]).toBe('TIMEOUT');
});
