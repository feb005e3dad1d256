import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';

const { app } = parsl;

describe.each(LOCAL_EXECUTORS)('walltime of JS apps on %s', (_name, makeExecutor) => {
  let teardown: () => Promise<void>;
  beforeEach(async () => {
    ({ teardown } = await loadKernel({ executors: [makeExecutor()] }));
  });
  afterEach(() => teardown());

  // Sent to workers by source: self-contained.
  const spin = app(function spinFor(ms: number, _kw: parsl.AppKwargs) {
    const end = Date.now() + ms;
    while (Date.now() < end);
    return 'done';
  });

  test('a synchronous app that spins past its walltime fails with AppTimeout; the next app runs', async () => {
    const e = await spin(6000, { walltime: 0.5 }).exception();
    expect(e).toBeInstanceOf(parsl.AppTimeout);
    expect(e!.message).toBe('app spinFor exceeded its walltime of 0.5 s');
    expect(await spin(1, { walltime: 10 })).toBe('done');
    expect(await spin(0, {})).toBe('done');
  });

  test('an async app fails with AppTimeout at its walltime', async () => {
    const waits = app(async function waitsFor(ms: number, _kw: parsl.AppKwargs) {
      await new Promise((r) => setTimeout(r, ms));
      return 'waited';
    });
    const e = await waits(60_000, { walltime: 0.3 }).exception();
    expect(e).toBeInstanceOf(parsl.AppTimeout);
    expect(e!.message).toBe('app waitsFor exceeded its walltime of 0.3 s');
    expect(await waits(1, { walltime: 10 })).toBe('waited');
  });
});
