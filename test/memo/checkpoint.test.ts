import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAllCheckpoints, getLastCheckpoint } from 'parsl-ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CHECKPOINT_FILE, CheckpointWriter, encodeRecord, parseCheckpoint, readCheckpoint } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';

const { app, File } = parsl;

let dir: ReturnType<typeof tempDir>;
let base: string;
let markers: string;
beforeEach(() => {
  dir = tempDir('memo');
  base = join(dir.path, 'runinfo');
  markers = join(dir.path, 'markers');
  mkdirSync(markers);
});
afterEach(async () => {
  try {
    await parsl.dfk().cleanup();
  } catch {
    // no kernel left loaded
  }
  parsl.clear();
  dir.remove();
});

function load(options: parsl.ConfigOptions = {}) {
  return parsl.load(
    new parsl.Config({ executors: [new parsl.InProcessExecutor()], runDir: base, ...options }),
  );
}

/** A cached app that leaves one marker byte per execution, so tests count re-executions. */
const work = app(
  (i: number, kw: { markers: string }) => {
    const fs = require('node:fs') as typeof import('node:fs');
    fs.appendFileSync(`${kw.markers}/${i}`, '.');
    return { i, square: i * i };
  },
  { cache: true, ignoreForCache: ['markers'] },
);
const runsOf = (i: number) => {
  try {
    return readFileSync(join(markers, String(i)), 'utf8').length;
  } catch {
    return 0;
  }
};

async function runWork(ids: number[]) {
  const fs = ids.map((i) => work(i, { markers }));
  const values = await Promise.all(fs);
  return { values, states: fs.map((f) => f.taskStatus()) };
}

const recordsIn = async (checkpointDir: string) => (await readCheckpoint(checkpointDir)).length;

describe('checkpoint modes', () => {
  test('task_exit writes each result as its task finishes, before cleanup', async () => {
    const dfk = await load({ checkpointMode: 'task_exit' });
    const ckpt = join(dfk.runDir, 'checkpoint');
    await runWork([1, 2, 3]);
    await eventually(async () => (await recordsIn(ckpt)) === 3, { what: '3 checkpoint records' });
    await dfk.cleanup();
    expect(await recordsIn(ckpt)).toBe(3);
  });

  test('periodic writes on its timer, before cleanup', async () => {
    const dfk = await load({ checkpointMode: 'periodic', checkpointPeriod: '00:00:01' });
    const ckpt = join(dfk.runDir, 'checkpoint');
    await runWork([1, 2]);
    expect(await recordsIn(ckpt)).toBe(0);
    await eventually(async () => (await recordsIn(ckpt)) === 2, {
      what: '2 checkpoint records',
      timeoutMs: 20_000,
    });
  });

  test('dfk_exit writes at cleanup only', async () => {
    const dfk = await load({ checkpointMode: 'dfk_exit' });
    const ckpt = join(dfk.runDir, 'checkpoint');
    await runWork([1, 2]);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(await recordsIn(ckpt)).toBe(0);
    await dfk.cleanup();
    expect(await recordsIn(ckpt)).toBe(2);
  });

  test('manual: dfk.checkpoint() writes and returns the checkpoint directory; cleanup writes the rest', async () => {
    const dfk = await load({ checkpointMode: 'manual' });
    await runWork([1, 2]);
    const ckpt = await dfk.checkpoint();
    expect(ckpt).toBe(join(dfk.runDir, 'checkpoint'));
    expect(await recordsIn(ckpt)).toBe(2);
    await runWork([3]);
    expect(await recordsIn(ckpt)).toBe(2);
    await dfk.cleanup();
    expect(await recordsIn(ckpt)).toBe(3);
  });

  test('with no mode nothing is written unless dfk.checkpoint() is called', async () => {
    const dfk = await load();
    await runWork([1, 2]);
    const ckpt = await dfk.checkpoint();
    expect(await recordsIn(ckpt)).toBe(2);
    await runWork([3]);
    await dfk.cleanup();
    expect(await recordsIn(ckpt)).toBe(2);
  });

  test('results are checkpointed, exceptions and non-data results are not', async () => {
    const dfk = await load({ checkpointMode: 'task_exit' });
    const fails = app(
      (x: number) => {
        throw new Error(`no ${x}`);
      },
      { cache: true },
    );
    class Thing {
      v = 1;
    }
    const makesThing = app(() => new Thing(), { cache: true });
    const makesFn = app(() => () => 1, { cache: true });
    const data = app(
      () => ({
        m: new Map([[1, new Set(['a'])]]),
        d: new Date(5),
        t: new Float32Array([1.5]),
        f: new File('/x/y'),
      }),
      { cache: true },
    );
    await fails(1).exception();
    await makesThing();
    await makesFn();
    const expected = await data();
    await dfk.cleanup();
    const recs = await readCheckpoint(join(dfk.runDir, 'checkpoint'));
    expect(recs).toHaveLength(1);
    expect(recs[0]!.value).toEqual(expected);
    expect((recs[0]!.value as { f: unknown }).f).toBeInstanceOf(File);
  });
});

describe('resuming', () => {
  test('after a clean exit, getLastCheckpoint() resumes: nothing runs again, results are the same', async () => {
    let dfk = await load({ checkpointMode: 'task_exit' });
    const first = await runWork([1, 2, 3]);
    await dfk.cleanup();
    parsl.clear();

    dfk = await load({ checkpointFiles: getLastCheckpoint(base) });
    const second = await runWork([1, 2, 3, 4]);
    expect(second.values.slice(0, 3)).toEqual(first.values);
    expect(second.states).toEqual(['memo_done', 'memo_done', 'memo_done', 'exec_done']);
    expect([1, 2, 3, 4].map(runsOf)).toEqual([1, 1, 1, 1]);
  });

  test('with a mode and no checkpointFiles, every earlier run under the same runDir is found', async () => {
    let dfk = await load({ checkpointMode: 'dfk_exit' });
    await runWork([1]);
    await dfk.cleanup();
    parsl.clear();
    dfk = await load({ checkpointMode: 'dfk_exit' });
    expect((await runWork([1, 2])).states).toEqual(['memo_done', 'exec_done']);
    await dfk.cleanup();
    parsl.clear();
    dfk = await load({ checkpointMode: 'dfk_exit' });
    expect((await runWork([1, 2, 3])).states).toEqual(['memo_done', 'memo_done', 'exec_done']);
    expect([1, 2, 3].map(runsOf)).toEqual([1, 1, 1]);
  });

  test('without a mode or checkpointFiles, earlier runs are not loaded', async () => {
    let dfk = await load({ checkpointMode: 'task_exit' });
    await runWork([1]);
    await dfk.cleanup();
    parsl.clear();
    dfk = await load();
    expect((await runWork([1])).states).toEqual(['exec_done']);
    expect(runsOf(1)).toBe(2);
  });

  test('results from worker threads checkpoint and resume like local ones', async () => {
    const threads = () => [new parsl.ThreadPoolExecutor({ maxThreads: 2 })];
    let dfk = await load({ executors: threads(), checkpointMode: 'task_exit' });
    const first = await runWork([5, 6]);
    await dfk.cleanup();
    parsl.clear();
    dfk = await load({ executors: threads(), checkpointMode: 'task_exit' });
    const second = await runWork([5, 6]);
    expect(second.values).toEqual(first.values);
    expect(second.states).toEqual(['memo_done', 'memo_done']);
    expect([5, 6].map(runsOf)).toEqual([1, 1]);
  });
});

describe('finding checkpoints', () => {
  function fakeRun(name: string, withCheckpoint = true) {
    const d = join(base, name, 'checkpoint');
    mkdirSync(d, { recursive: true });
    if (withCheckpoint)
      writeFileSync(join(d, CHECKPOINT_FILE), Buffer.from('PARSL-TS-CKPT\x00\x00\x01', 'latin1'));
  }

  test('run directories are ordered numerically past 999; other entries are ignored', () => {
    for (const n of ['1000', '002', '999', '010', 'notes', '12a']) fakeRun(n);
    fakeRun('1001', false); // a run without a checkpoint
    writeFileSync(join(base, '5'), 'a file, not a run');
    expect(getAllCheckpoints(base)).toEqual(
      ['002', '010', '999', '1000'].map((n) => join(base, n, 'checkpoint')),
    );
    expect(getLastCheckpoint(base)).toEqual([join(base, '1000', 'checkpoint')]);
    expect(getAllCheckpoints(join(dir.path, 'nowhere'))).toEqual([]);
    expect(getLastCheckpoint(join(dir.path, 'nowhere'))).toEqual([]);
  });

  test('a missing checkpoint fails load() with BadCheckpoint naming it', async () => {
    const missing = join(dir.path, 'no-such-run', 'checkpoint');
    const err = await load({ checkpointFiles: [missing] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(parsl.BadCheckpoint);
    expect((err as Error).message).toContain(join(missing, CHECKPOINT_FILE));
    expect(() => parsl.dfk()).toThrow(); // nothing left loaded
  });

  test('a file that is not a checkpoint fails load() with BadCheckpoint naming it', async () => {
    const bogus = join(dir.path, 'bogus', 'checkpoint');
    mkdirSync(bogus, { recursive: true });
    writeFileSync(join(bogus, CHECKPOINT_FILE), 'this is not a checkpoint at all');
    const err = await load({ checkpointFiles: [bogus] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(parsl.BadCheckpoint);
    expect((err as Error).message).toContain(join(bogus, CHECKPOINT_FILE));
  });
});

describe('damaged checkpoint files', () => {
  async function writeCheckpoint(n: number): Promise<string> {
    const w = await CheckpointWriter.create(join(dir.path, 'ckpt'));
    for (let i = 0; i < n; i++) expect(w.append(`hash-${i}`, { i, pad: 'p'.repeat(i * 10) })).toBeNull();
    await w.close();
    return w.file;
  }

  test('a torn last record (a write cut short by a kill) is dropped; every earlier record loads', async () => {
    const file = await writeCheckpoint(5);
    const full = readFileSync(file);
    const lastLength = (encodeRecord('hash-4', { i: 4, pad: 'p'.repeat(40) }) as Buffer).length;
    for (const cut of [1, 7, lastLength - 1]) {
      truncateSync(file, full.length - cut);
      const recs = await readCheckpoint(file);
      expect(recs.map((r) => r.hash)).toEqual(['hash-0', 'hash-1', 'hash-2', 'hash-3']);
      writeFileSync(file, full);
    }
    truncateSync(file, full.length - lastLength);
    expect(await readCheckpoint(file)).toHaveLength(4);
  });

  test('a damaged record in the middle is skipped and the records after it are recovered', async () => {
    const file = await writeCheckpoint(5);
    const data = readFileSync(file);
    const at = 16 + (encodeRecord('hash-0', { i: 0, pad: '' }) as Buffer).length + 20; // inside record 1
    data[at] = data[at]! ^ 0xff;
    const recs = parseCheckpoint(data, file);
    expect(recs.map((r) => r.hash)).toEqual(['hash-0', 'hash-2', 'hash-3', 'hash-4']);
    expect(recs[3]!.value).toEqual({ i: 4, pad: 'p'.repeat(40) });
  });

  test('a torn header (killed while creating the file) reads as an empty checkpoint', () => {
    expect(parseCheckpoint(Buffer.alloc(0), 'x')).toEqual([]);
    expect(parseCheckpoint(Buffer.from('PARSL-TS', 'latin1'), 'x')).toEqual([]);
    expect(() => parseCheckpoint(Buffer.from('PARSL-XX', 'latin1'), 'x')).toThrow(parsl.BadCheckpoint);
  });

  test('a resumed run with a truncated checkpoint re-runs only the lost task', async () => {
    let dfk = await load({ checkpointMode: 'task_exit' });
    await runWork([1, 2, 3]);
    await dfk.cleanup();
    parsl.clear();
    const [ckpt] = getLastCheckpoint(base);
    const file = join(ckpt!, CHECKPOINT_FILE);
    truncateSync(file, readFileSync(file).length - 3);
    dfk = await load({ checkpointMode: 'task_exit' });
    const { states } = await runWork([1, 2, 3]);
    expect(states.filter((s) => s === 'memo_done')).toHaveLength(2);
    expect([1, 2, 3].map(runsOf).sort()).toEqual([1, 1, 2]);
  });
});
