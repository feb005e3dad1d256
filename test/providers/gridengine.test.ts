/** GridEngineProvider against a real Son of Grid Engine (Debian gridengine-*), started by scripts/services. */
import { readdir } from 'node:fs/promises';
import { GridEngineProvider, JobState, LocalChannel, SimpleLauncher, SubmitException } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, requireService, type Service, startService, tempDir } from '../helpers/services.js';

let sge: Service;
const env = { SGE_ROOT: '/var/lib/gridengine', SGE_CELL: 'default' };
beforeAll(async () => {
  sge = await startService('gridengine', {});
}, 300_000);
afterAll(async () => {
  await sge?.stop();
});

function provider(options: ConstructorParameters<typeof GridEngineProvider>[0] = {}) {
  return new GridEngineProvider({
    channel: new LocalChannel({ envs: env }),
    launcher: new SimpleLauncher(),
    ...options,
  });
}

async function terminal(p: GridEngineProvider, id: string, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const [s] = await p.status([id]);
      return s?.terminal ? s : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `SGE job ${id}` },
  );
}

describe('GridEngineProvider on a real Grid Engine', () => {
  test('submits with qsub -terse, the job runs, qacct tells COMPLETED / FAILED with exit code', async (ctx) => {
    requireService(ctx, sge);
    const out = await tempDir('sge-out');
    const p = provider({ scriptDir: await tempDir('sge') });
    const ok = await p.submit(`touch ${out}/ran-$JOB_ID`, 1, 'block-0');
    const bad = await p.submit('exit 3', 1, 'block-1');
    expect(ok).toMatch(/^\d+$/);
    expect(JobState[(await terminal(p, ok)).state]).toBe('COMPLETED');
    const sb = await terminal(p, bad);
    expect([JobState[sb.state], sb.exitCode]).toEqual(['FAILED', 3]);
    expect(await readdir(out)).toEqual([`ran-${ok}`]);
  });

  test('RUNNING, then cancel (qdel) → CANCELLED', async (ctx) => {
    requireService(ctx, sge);
    const p = provider({ scriptDir: await tempDir('sge') });
    const id = await p.submit('sleep 300', 1, 'block-2');
    await eventually(async () => ((await p.status([id]))[0]!.state === JobState.RUNNING ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(await p.cancel([id])).toEqual([true]);
    expect((await p.status([id]))[0]!.state).toBe(JobState.CANCELLED);
  });

  test('h_rt expiry is TIMEOUT (qacct failed 37)', async (ctx) => {
    requireService(ctx, sge);
    const p = provider({ scriptDir: await tempDir('sge'), walltime: '00:00:03' });
    const id = await p.submit('sleep 300', 1, 'block-3');
    expect(JobState[(await terminal(p, id, 90_000)).state]).toBe('TIMEOUT');
  });

  test('an unknown queue → SubmitException with Grid Engine’s message', async (ctx) => {
    requireService(ctx, sge);
    const p = provider({ scriptDir: await tempDir('sge'), queue: 'nosuch.q' });
    const err = await p.submit('true', 1, 'block-x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitException);
    expect((err as Error).message).toMatch(/nosuch\.q/);
  });
});
