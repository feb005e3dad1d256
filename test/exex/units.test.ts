import { ConfigurationError, ExtremeScaleExecutor, LocalProvider, MpiExecLauncher } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import {
  decodeTaskData,
  encodeTaskBatch,
  encodeTaskData,
  loadAddon,
  parseResults,
  parseTaskBatch,
  ResultBatch,
  resultBodies,
} from '#internal';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { skipOrFail } from '../helpers/skip.js';

describe('ExtremeScaleExecutor options', () => {
  test('ranks per block, and clear errors for bad or process-pool options', () => {
    const ex = new ExtremeScaleExecutor({
      ranksPerNode: 3,
      provider: new LocalProvider({ nodesPerBlock: 2, launcher: new MpiExecLauncher() }),
    });
    expect(ex.ranksPerBlock).toBe(6);
    // Two nodes behind a launcher that only runs commands would start one-rank pools: refused when constructed.
    expect(
      () => new ExtremeScaleExecutor({ ranksPerNode: 3, provider: new LocalProvider({ nodesPerBlock: 2 }) }),
    ).toThrow(/SingleNodeLauncher only runs commands.*MpiExecLauncher/);
    expect(ex.workersPerNode).toBe(3);
    expect(ex.label).toBe('ExtremeScaleExecutor');
    expect(() => new ExtremeScaleExecutor({ ranksPerNode: 0 })).toThrow(ConfigurationError);
    expect(() => new ExtremeScaleExecutor({ ranksPerNode: 1 })).toThrow(/at least 2 ranks/);
    expect(() => new ExtremeScaleExecutor({ maxWorkersPerNode: 2 } as never)).toThrow(/one worker per rank/);
    expect(() => new ExtremeScaleExecutor({ mpi: 'lam' } as never)).toThrow(/openmpi/);
    expect(() => new ExtremeScaleExecutor({ dispatchFanout: 0 })).toThrow(/dispatchFanout/);
    expect(() => new ExtremeScaleExecutor({ bogus: 1 } as never)).toThrow(ConfigurationError);
  });

  test('hungRankThreshold: seconds, validated', () => {
    expect(new ExtremeScaleExecutor().hungRankThreshold).toBe(30);
    const ex = new ExtremeScaleExecutor({ hungRankThreshold: 2.5 });
    expect(ex.hungRankThreshold).toBe(2.5);
    for (const bad of [0, -1, 0.01, Number.NaN, Number.POSITIVE_INFINITY, '5'])
      expect(() => new ExtremeScaleExecutor({ hungRankThreshold: bad as number }), String(bad)).toThrow(
        /hungRankThreshold must be a number of seconds/,
      );
  });
});

describe('rank protocol', () => {
  test('task data and result batches round-trip', () => {
    const d = encodeTaskData('fn-1', Buffer.from('body'));
    const back = decodeTaskData(d);
    expect(back.fnId).toBe('fn-1');
    expect(back.body.toString()).toBe('body');
    const r = new ResultBatch();
    r.add(1, Buffer.from('a'));
    r.add(2 ** 40 + 3, Buffer.from('bcd'));
    r.busyMs = 1.5;
    const p = parseResults(r.take());
    expect(Array.from(p.ids)).toEqual([1, 2 ** 40 + 3]);
    expect(resultBodies(p).map(String)).toEqual(['a', 'bcd']);
    expect(p.busyMs).toBe(1.5);
    expect(r.size).toBe(0);
    // A sub-dispatcher forwards parsed results whole, together with its own.
    const up = new ResultBatch();
    up.add(7, Buffer.from('x'));
    up.addParsed(p);
    const q = parseResults(up.take());
    expect(Array.from(q.ids)).toEqual([7, 1, 2 ** 40 + 3]);
    expect(resultBodies(q).map(String)).toEqual(['x', 'a', 'bcd']);
    expect(q.busyMs).toBe(1.5);
    const drained = new ResultBatch();
    drained.addParsed(q);
    expect(drained.drain()).toEqual({
      ids: [7, 1, 2 ** 40 + 3],
      lengths: [1, 1, 3],
      blob: Buffer.from('xabcd'),
    });
  });

  test('a task batch packed in JS is what the dispatcher core cuts', () => {
    const b = encodeTaskBatch([1, 2 ** 40 + 3], ['fn-é', 'fn-é'], [Buffer.from('one'), Buffer.alloc(0)]);
    const tasks = parseTaskBatch(b);
    expect(tasks.map((t) => t.id)).toEqual([1, 2 ** 40 + 3]);
    expect(tasks.map((t) => decodeTaskData(t.data)).map((d) => [d.fnId, d.body.toString()])).toEqual([
      ['fn-é', 'one'],
      ['fn-é', ''],
    ]);
  });

  for (const flavor of FLAVORS) {
    test(`batches of the ${flavor} dispatcher core parse back to their tasks`, (ctx) => {
      skipOrFail(ctx, addonMissing(flavor));
      const { addon } = loadAddon({ flavor });
      const core = new addon.Dispatcher({ maxBatchTasks: 4, maxBatchBytes: 1 << 20 });
      core.setCapacity(1, 3);
      core.setCapacity(2, 3);
      core.submitBatch(
        encodeTaskBatch(
          [1, 2, 3, 4, 5],
          ['f', 'f', 'f', 'f', 'f'],
          [1, 2, 3, 4, 5].map((id) => Buffer.from(`t${id}`)),
        ),
      );
      expect(() => core.submitBatch(Buffer.from('not a batch'))).toThrow(/well-formed/);
      const seen = new Map<number, string>();
      for (const b of core.nextBatches()) {
        const tasks = parseTaskBatch(b.payload);
        expect(tasks).toHaveLength(b.taskCount);
        for (const t of tasks) seen.set(t.id, decodeTaskData(t.data).body.toString());
        expect(
          core.complete(
            b.rank,
            Float64Array.from(tasks, (t) => t.id),
          ),
        ).toBe(tasks.length);
      }
      expect([...seen.entries()].sort((a, b) => a[0] - b[0])).toEqual(
        [1, 2, 3, 4, 5].map((i) => [i, `t${i}`]),
      );
    });
  }
});
