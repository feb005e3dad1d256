/** nodesPerBlock: 2 on a real Slurm with two fake nodes (n1, n2) on this host. */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SrunLauncher, SrunMPILauncher } from '../../dist/launchers/index.js';
import { JobState, type SlurmProvider } from '../../dist/providers/index.js';
import { buildMpiHello, eventually, type Service, tempDir } from './services.js';
import { slurmProvider, startSlurm } from './slurm-setup.js';

let slurm: Service;
beforeAll(async () => {
  slurm = await startSlurm('slurm-2', 26827, 2);
}, 300_000);
afterAll(async () => {
  await slurm?.stop();
});

async function finished(p: SlurmProvider, id: string) {
  return eventually(
    async () => {
      const [s] = await p.status([id]);
      return s?.terminal ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `job ${id}` },
  );
}

describe('SlurmProvider with nodesPerBlock: 2 (two fake nodes)', () => {
  test('SrunLauncher runs tasksPerNode copies on each of the 2 nodes', async (ctx) => {
    ctx.skip(!slurm.ok, slurm.reason);
    const out = await tempDir('slurm2-out');
    const p = slurmProvider(slurm, { scriptDir: await tempDir('slurm2'), nodesPerBlock: 2 });
    const id = await p.submit(`touch ${out}/task-$SLURM_PROCID-$SLURMD_NODENAME`, 2, 'block-0');
    expect(JobState[(await finished(p, id)).state]).toBe('COMPLETED');
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(4);
    expect(new Set(files.map((f) => f.split('-')[2]))).toEqual(new Set(['n1', 'n2']));
  });

  test('srun --mpi=pmi2 runs one MPICH job across both nodes', async (ctx) => {
    ctx.skip(!slurm.ok, slurm.reason);
    const dir = await tempDir('slurm2-mpi');
    const hello = await buildMpiHello('mpich', dir);
    const p = slurmProvider(slurm, {
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
    ctx.skip(!slurm.ok, slurm.reason);
    const dir = await tempDir('slurm2-srunmpi');
    const hello = await buildMpiHello('mpich', dir);
    const p = slurmProvider(slurm, {
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
