import { statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidResourceSpecification } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeFunction } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { errorOf, jsTask, run } from '../helpers/executors.js';
import { type Started, startHtex } from '../helpers/htex.js';
import { processesWith } from '../helpers/processes.js';

describe('HighThroughputExecutor through two pools (encrypted)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startHtex('basics', { blocks: 2, maxWorkersPerNode: 1 });
    await eventually(async () => (await s.ex.connectedManagers()).length === 2, {
      what: 'two pools registered',
    });
  });
  afterAll(async () => s?.cleanup());

  test('thousands of tasks complete with the right values, spread over both pools', async () => {
    const square = (x: number) => x * x;
    const whoRuns = () => process.env.PARSL_WORKER_POOL_ID;
    const outs = await Promise.all(Array.from({ length: 3000 }, (_, i) => run(s.ex, jsTask(square, [i]))));
    expect(outs).toEqual(outs.map((_, i) => ({ ok: true, value: i * i })));
    const pools = new Set<unknown>();
    for (let round = 0; round < 20 && pools.size < 2; round++) {
      const batch = await Promise.all(Array.from({ length: 200 }, () => run(s.ex, jsTask(whoRuns))));
      for (const o of batch) if (o.ok) pools.add(o.value);
    }
    expect(pools.size).toBe(2);
    expect(s.ex.outstanding()).toBe(0);
  });

  test('values that JSON cannot carry round-trip by structured clone', async () => {
    const echo = (v: unknown) => v;
    const value = {
      m: new Map([[1, new Set(['a'])]]),
      big: 10n ** 20n,
      neg: -0,
      nan: Number.NaN,
      u: undefined,
      d: new Date(5),
      b: new Uint8Array([1, 2]),
    };
    const o = await run(s.ex, jsTask(echo, [value]));
    expect(o).toEqual({ ok: true, value });
  });

  test('async apps, worker environment, remote errors and bad resource specifications', async () => {
    const later = async (x: number) => new Promise((r) => setTimeout(() => r(x + 1), 5));
    expect(await run(s.ex, jsTask(later, [1]))).toEqual({ ok: true, value: 2 });
    const env = () => ({
      rank: process.env.PARSL_WORKER_RANK,
      count: process.env.PARSL_WORKER_COUNT,
      block: process.env.PARSL_WORKER_BLOCK_ID,
    });
    const e = await run(s.ex, jsTask(env));
    expect(e.ok && (e.value as Record<string, string>).count).toBe('1');
    expect(['0', '1']).toContain(e.ok && (e.value as Record<string, string>).block);
    const boom = () => {
      const err = new RangeError('boom') as RangeError & { code: string };
      err.code = 'E_BOOM';
      throw err;
    };
    const f = errorOf(await run(s.ex, jsTask(boom)));
    expect(f.name).toBe('RangeError');
    expect((f as unknown as { code: string }).code).toBe('E_BOOM');
    expect(errorOf(await run(s.ex, jsTask(boom, [], { cores: 2 })))).toBeInstanceOf(
      InvalidResourceSpecification,
    );
    const fnArg = errorOf(await run(s.ex, jsTask(echoFn, [() => 1])));
    expect(fnArg.name).toBe('SerializationError');
  });

  test('a function exported from a module is imported on the worker by reference', async () => {
    const mod = join(process.cwd(), 'test/htex/fixtures/module-fn.mjs');
    const { baseName } = (await import(mod)) as { baseName: (p: string) => string };
    const t = { ...jsTask(baseName, ['/a/b/c.txt']), fn: describeFunction(baseName, { module: mod }) };
    expect(await run(s.ex, t)).toEqual({ ok: true, value: 'c.txt' });
  });

  test('certificates are private to the user', () => {
    const dir = join(s.runDir, 'htex', 'certificates');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'server.key_secret')).mode & 0o777).toBe(0o600);
  });

  test('MANAGERS and CONNECTED_BLOCKS describe the pools', async () => {
    const ms = await s.ex.connectedManagers();
    expect(ms.map((m) => m.blockId).sort()).toEqual(['0', '1']);
    expect(ms.every((m) => m.workerCount === 1 && m.active && !m.draining)).toBe(true);
    expect((await s.ex.connectedBlocks()).sort()).toEqual(['0', '1']);
    expect(processesWith(s.marker).length).toBeGreaterThanOrEqual(5); // interchange, 2 pools, 2 workers (+ bash)
  });
});

function echoFn(f: unknown) {
  return f;
}
