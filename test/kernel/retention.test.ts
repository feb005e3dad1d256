import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { CollectionCounter } from '../helpers/gc.js';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';

const { app, map } = parsl;

const TASKS = 3000;

/** Items are objects (arrays: a plain object would be keyword options) so the collector can see them go. */
function* items(n: number): Generator<[number]> {
  for (let i = 0; i < n; i++) yield [i];
}

/** Run `tasks` tasks through map and check the kernel forgets them and nothing else holds them. */
async function expectCollectable(dfk: parsl.DataFlowKernel, tasks: number): Promise<void> {
  const counter = new CollectionCounter();
  const touch = app((x: [number]) => x[0]);
  const tracked = (x: [number]) => {
    const f = touch(x);
    counter.track(f.task); // the kernel's task record
    counter.track(x);
    return f;
  };
  let sum = 0;
  for await (const y of map(tracked, items(tasks), { window: 64 })) sum += y;
  expect(sum).toBe((tasks * (tasks - 1)) / 2);
  expect(dfk.heldTaskCount).toBe(0);
  expect(dfk.stateCounts().exec_done).toBe(tasks);
  expect(counter.tracked).toBe(2 * tasks);
  await eventually(async () => (await counter.collect()) === counter.tracked, {
    what: `all ${counter.tracked} task records and arguments collected (${counter.collected} so far)`,
  });
}

describe.each(LOCAL_EXECUTORS)('finished tasks are collectable on %s', (_name, makeExecutor) => {
  let teardown: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await teardown?.();
    teardown = null;
  });

  test(`after ${TASKS} tasks through map the kernel holds no record and every record and argument is collected`, async () => {
    let dfk: parsl.DataFlowKernel;
    ({ dfk, teardown } = await loadKernel({ executors: [makeExecutor()] }));
    await expectCollectable(dfk, TASKS);
  });

  test('garbageCollect: false keeps every record (the opt-in for introspection)', async () => {
    let dfk: parsl.DataFlowKernel;
    ({ dfk, teardown } = await loadKernel({ executors: [makeExecutor()], garbageCollect: false }));
    const touch = app((x: [number]) => x[0]);
    for await (const _ of map(touch, items(200), { window: 16 })) {
      // drain
    }
    expect(dfk.heldTaskCount).toBe(200);
  });

  test('a failed task and a retried one are collectable too', async () => {
    let dfk: parsl.DataFlowKernel;
    ({ dfk, teardown } = await loadKernel({ executors: [makeExecutor()], retries: 1 }));
    const counter = new CollectionCounter();
    const fails = app((x: [number]) => {
      throw new Error(`no ${x[0]}`);
    });
    const tracked = (x: [number]) => {
      const f = fails(x);
      counter.track(f.task);
      return f;
    };
    let failed = 0;
    for await (const o of parsl.mapSettled(tracked, items(100), { window: 8 })) if (!o.ok) failed++;
    expect(failed).toBe(100);
    expect(dfk.heldTaskCount).toBe(0);
    await eventually(async () => (await counter.collect()) === counter.tracked, {
      what: `all ${counter.tracked} failed task records collected (${counter.collected} so far)`,
    });
  });
});

describe('finished tasks are collectable on HTEX', () => {
  let runBase = '';
  afterEach(() => {
    if (runBase !== '') killAll(runBase);
  });

  test('after 2000 tasks through map the kernel and the executor hold none of them', async () => {
    const htex = new parsl.HighThroughputExecutor({
      address: '127.0.0.1',
      maxWorkersPerNode: 2,
      provider: new parsl.LocalProvider({
        launcher: new parsl.SimpleLauncher({ debug: false }),
        initBlocks: 1,
      }),
    });
    const k = await loadKernel({ executors: [htex], strategy: 'none' });
    runBase = k.runBase;
    try {
      await expectCollectable(k.dfk, 2000);
    } finally {
      await k.teardown();
    }
    await expectNoProcessLeft(runBase);
  });
});
