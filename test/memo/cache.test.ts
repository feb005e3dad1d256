import { idForMemo } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';

const { app, bashApp, File, AUTO_LOGNAME } = parsl;

let teardown: (() => Promise<void>) | null = null;
afterEach(async () => {
  await teardown?.();
  teardown = null;
});

async function kernel(options: parsl.ConfigOptions = {}) {
  const k = await loadKernel({ executors: [new parsl.InProcessExecutor()], ...options });
  teardown = k.teardown;
  return k;
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each(LOCAL_EXECUTORS)('the app cache on %s', (_name, makeExecutor) => {
  test('an equivalent call reuses the result and ends in memo_done; cache: false always runs', async () => {
    await kernel({ executors: [makeExecutor()] });
    const square = app((x: number) => ({ x, sq: x * x, at: Math.random() }), { cache: true });
    const first = await square(7);
    const again = square(7);
    expect(await again).toEqual(first); // the same random number: it did not run again
    expect(again.taskStatus()).toBe('memo_done');
    const other = square(8);
    expect((await other).sq).toBe(64);
    expect(other.taskStatus()).toBe('exec_done');

    const uncached = app(() => Math.random());
    const a = await uncached();
    const b = uncached();
    expect(await b).not.toBe(a);
    expect(b.taskStatus()).toBe('exec_done');
  });

  test('arguments count after their dependencies resolve', async () => {
    await kernel({ executors: [makeExecutor()] });
    const inc = app((x: number) => x + 1);
    const stamp = app((x: number) => `${x}:${Math.random()}`, { cache: true });
    const viaFuture = await stamp(inc(1));
    const direct = stamp(2);
    expect(await direct).toBe(viaFuture);
    expect(direct.taskStatus()).toBe('memo_done');
  });
});

describe('the app cache', () => {
  test('a second identical call made while the first runs shares its outcome without running', async () => {
    await kernel();
    let runs = 0;
    const gate = deferred();
    const slow = app(
      async (x: number) => {
        runs++;
        await gate.promise;
        return x * 10;
      },
      { cache: true },
    );
    const a = slow(4);
    const b = slow(4);
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(1);
    gate.resolve();
    expect(await a).toBe(40);
    expect(await b).toBe(40);
    expect(runs).toBe(1);
    expect(a.taskStatus()).toBe('exec_done');
    expect(b.taskStatus()).toBe('memo_done');
  });

  test('calls waiting on a running identical task share its failure; once final, a failure is not reused', async () => {
    await kernel();
    let runs = 0;
    const gate = deferred();
    const flaky = app(
      async (x: number) => {
        runs++;
        await gate.promise;
        throw new Error(`boom ${x}`);
      },
      { cache: true },
    );
    const a = flaky(1);
    const b = flaky(1);
    gate.resolve();
    expect((await a.exception())?.message).toBe('boom 1');
    expect((await b.exception())?.message).toBe('boom 1');
    expect(b.taskStatus()).toBe('failed');
    expect(runs).toBe(1);
    const c = flaky(1);
    expect((await c.exception())?.message).toBe('boom 1');
    expect(runs).toBe(2); // ran again: failures are never memoized after the fact
  });

  test('a cached task that fails and is retried runs again instead of waiting for itself', async () => {
    await kernel({ retries: 2 });
    let runs = 0;
    const secondTime = app(
      (x: number) => {
        runs++;
        if (runs < 2) throw new Error('first try fails');
        return x;
      },
      { cache: true },
    );
    const f = secondTime(5);
    expect(await f).toBe(5);
    expect(runs).toBe(2);
    expect(await secondTime(5)).toBe(5);
    expect(runs).toBe(2);
  });

  test('Config.appCache: false switches caching off', async () => {
    await kernel({ appCache: false });
    let runs = 0;
    const f = app(() => ++runs, { cache: true });
    await f();
    const again = f();
    expect(await again).toBe(2);
    expect(again.taskStatus()).toBe('exec_done');
  });

  test('File arguments are hashable by default (by URL)', async () => {
    await kernel();
    let runs = 0;
    const size = app(
      (f: InstanceType<typeof File>) => {
        runs++;
        return f.url.length;
      },
      { cache: true },
    );
    await size(new File('/data/a.txt'));
    const again = size(new File('/data/a.txt'));
    await again;
    expect(again.taskStatus()).toBe('memo_done');
    await size(new File('/data/bb.txt'));
    expect(runs).toBe(2);
  });

  test('ignoreForCache keywords do not change the hash', async () => {
    await kernel();
    let runs = 0;
    const f = app(
      (x: number, _kw: { verbose: boolean }) => {
        runs++;
        return x;
      },
      { cache: true, ignoreForCache: ['verbose'] },
    );
    await f(1, { verbose: true });
    const g = f(1, { verbose: false });
    await g;
    expect(g.taskStatus()).toBe('memo_done');
    expect(runs).toBe(1);
  });

  test('AUTO_LOGNAME streams are left out of the hash automatically; chosen paths are not', async () => {
    const { runBase } = await kernel();
    const dir = tempDir();
    try {
      const echo = bashApp((msg: string, _kw?: parsl.AppKwargs) => `echo ${msg}`, { cache: true });
      const a = echo('hi', { stdout: AUTO_LOGNAME });
      await a;
      const b = echo('hi', { stdout: AUTO_LOGNAME });
      await b;
      expect(a.stdout).not.toBe(b.stdout);
      expect(a.stdout?.startsWith(runBase)).toBe(true);
      expect(b.taskStatus()).toBe('memo_done');
      const c = echo('hi', { stdout: `${dir.path}/one.out` });
      const d = echo('hi', { stdout: `${dir.path}/two.out` });
      await Promise.all([c, d]);
      expect([c.taskStatus(), d.taskStatus()]).toEqual(['exec_done', 'exec_done']);
    } finally {
      dir.remove();
    }
  });

  test('outputs take part in the hash: other outputs run, the same outputs are reused', async () => {
    const { runBase } = await kernel();
    const write = bashApp((_kw: parsl.AppKwargs) => `echo x > ${_kw.outputs![0]}`, { cache: true });
    const a = write({ outputs: [new File(`${runBase}/a.txt`)] });
    const b = write({ outputs: [new File(`${runBase}/b.txt`)] });
    await Promise.all([a, b]);
    expect(b.taskStatus()).toBe('exec_done');
    const again = write({ outputs: [new File(`${runBase}/a.txt`)] });
    await again;
    expect(again.taskStatus()).toBe('memo_done');
    expect((await again.outputs[0]!).filepath).toBe(`${runBase}/a.txt`);
  });

  test('an unhashable argument fails only that task, naming the argument and its type', async () => {
    await kernel();
    class Opaque {
      v = 1;
    }
    const f = app((o: unknown) => String(o), { cache: true });
    const bad = f(new Opaque());
    const good = f(3);
    const e = await bad.exception();
    expect(e?.name).toBe('UnhashableArgument');
    expect(e?.message).toMatch(/argument 0 of app .* class Opaque .*idForMemo\(Opaque/);
    expect(bad.taskStatus()).toBe('failed');
    expect(await good).toBe('3');
  });

  test('instances of a class registered with idForMemo are cached by their id', async () => {
    await kernel();
    class Sample {
      constructor(
        readonly name: string,
        readonly loadedAt: number,
      ) {}
    }
    idForMemo(Sample, (s) => s.name);
    let runs = 0;
    const analyse = app(
      (s: Sample) => {
        runs++;
        return s.name.toUpperCase();
      },
      { cache: true },
    );
    expect(await analyse(new Sample('x', 1))).toBe('X');
    const again = analyse(new Sample('x', 2));
    expect(await again).toBe('X');
    expect(again.taskStatus()).toBe('memo_done');
    expect(runs).toBe(1);
  });
});
