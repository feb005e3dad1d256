/** GridEngineProvider against a real Son of Grid Engine (Debian gridengine-*), started by scripts/services. */
import { readdir } from 'node:fs/promises';
import { GridEngineProvider, JobState, LocalChannel, SimpleLauncher, SubmitException } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { type Service, startService } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

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
    { timeoutMs, intervalMs: 500, what: `SGE job ${id} to end` },
  );
}

describe('GridEngineProvider on a real Grid Engine', () => {
  test('submits with qsub -terse, the job runs, qacct tells COMPLETED / FAILED with exit code', async (ctx) => {
    skipOrFail(ctx, sge.missing);
    const out = tempDir('sge-out').path;
    const p = provider({ scriptDir: tempDir('sge').path });
    const ok = await p.submit(`touch ${out}/ran-$JOB_ID`, 1, 'block-0');
    const bad = await p.submit('exit 3', 1, 'block-1');
    expect(ok).toMatch(/^\d+$/);
    expect(JobState[(await terminal(p, ok)).state]).toBe('COMPLETED');
    const sb = await terminal(p, bad);
    expect([JobState[sb.state], sb.exitCode]).toEqual(['FAILED', 3]);
    expect(await readdir(out)).toEqual([`ran-${ok}`]);
  });

  test('RUNNING, then cancel (qdel) → CANCELLED', async (ctx) => {
    skipOrFail(ctx, sge.missing);
    const p = provider({ scriptDir: tempDir('sge').path });
    const id = await p.submit('sleep 300', 1, 'block-2');
    await eventually(async () => (await p.status([id]))[0]!.state === JobState.RUNNING, {
      what: `SGE job ${id} to run`,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(await p.cancel([id])).toEqual([true]);
    expect((await p.status([id]))[0]!.state).toBe(JobState.CANCELLED);
  });

  test('h_rt expiry is TIMEOUT (qacct failed 37)', async (ctx) => {
    skipOrFail(ctx, sge.missing);
    const p = provider({ scriptDir: tempDir('sge').path, walltime: '00:00:03' });
    const id = await p.submit('sleep 300', 1, 'block-3');
    expect(JobState[(await terminal(p, id, 90_000)).state]).toBe('TIMEOUT');
  });

  test('an unknown queue → SubmitException with Grid Engine’s message', async (ctx) => {
    skipOrFail(ctx, sge.missing);
    const p = provider({ scriptDir: tempDir('sge').path, queue: 'nosuch.q' });
    const err = await p.submit('true', 1, 'block-x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitException);
    expect((err as Error).message).toMatch(/nosuch\.q/);
  });
});
