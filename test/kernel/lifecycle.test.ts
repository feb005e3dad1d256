import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';

const { Config, ConfigurationError, InProcessExecutor, app } = parsl;

describe('Config validation', () => {
  test.each([
    [{ retries: -1 }, 'retries'],
    [{ retries: 1.5 }, 'retries'],
    [{ retrys: 2 }, 'retrys'],
    [{ executors: [] }, 'executors'],
    [{ executors: [{}] }, 'executors'],
    [{ checkpointMode: 'sometimes' }, 'checkpointMode'],
    [{ checkpointMode: 'periodic' }, 'checkpointPeriod'],
    [{ checkpointPeriod: '5 minutes' }, 'checkpointPeriod'],
    [{ strategy: 'aggressive' }, 'strategy'],
    [{ runDir: 42 }, 'runDir'],
    [{ retryHandler: 'yes' }, 'retryHandler'],
    [{ garbageCollect: 'no' }, 'garbageCollect'],
  ])('%j → ConfigurationError naming %s', (opts, field) => {
    expect(() => new Config(opts as never)).toThrow(ConfigurationError);
    expect(() => new Config(opts as never)).toThrow(field);
  });

  test('duplicate executor labels are refused', () => {
    expect(
      () =>
        new Config({
          executors: [new InProcessExecutor({ label: 'a' }), new InProcessExecutor({ label: 'a' })],
        }),
    ).toThrow(/duplicate label 'a'/);
  });

  test('defaults follow Parsl', () => {
    const c = new Config({ executors: [new InProcessExecutor()] });
    expect(c.retries).toBe(0);
    expect(c.runDir).toBe('runinfo');
    expect(c.strategy).toBe('simple');
    expect(c.appCache).toBe(true);
    expect(c.maxIdletime).toBe(120);
    expect(new Config().executors[0]).toBeInstanceOf(parsl.ThreadPoolExecutor);
  });
});

describe('kernel lifecycle', () => {
  test('loading twice throws ConfigurationError; dfk() returns the loaded kernel; clear() forgets it', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [new InProcessExecutor()] });
    try {
      expect(parsl.dfk()).toBe(dfk);
      await expect(parsl.load(new Config({ executors: [new InProcessExecutor()] }))).rejects.toThrow(
        /already been loaded/,
      );
    } finally {
      await teardown();
    }
    expect(() => parsl.dfk()).toThrow(parsl.NoDataFlowKernelError);
  });

  test('run directories are numbered 000, 001, … and continue past 999 numerically', async () => {
    const dir = tempDir();
    const base = join(dir.path, 'runinfo');
    try {
      for (const expected of ['000', '001']) {
        const dfk = await parsl.load(new Config({ executors: [new InProcessExecutor()], runDir: base }));
        expect(dfk.runDir).toBe(resolve(base, expected));
        expect(existsSync(join(dfk.runDir, 'parsl.log'))).toBe(true);
        await dfk.cleanup();
      }
      mkdirSync(join(base, '999'));
      mkdirSync(join(base, 'notes'));
      const dfk = await parsl.load(new Config({ executors: [new InProcessExecutor()], runDir: base }));
      expect(dfk.runDir).toBe(resolve(base, '1000'));
      await dfk.cleanup();
      const again = await parsl.load(new Config({ executors: [new InProcessExecutor()], runDir: base }));
      expect(again.runDir).toBe(resolve(base, '1001'));
      await again.cleanup();
      expect(readdirSync(base).sort()).toEqual(['000', '001', '1000', '1001', '999', 'notes']);
    } finally {
      parsl.clear();
      dir.remove();
    }
  });

  test('parsl.log records the run; per-task lines stay off the info level', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [new InProcessExecutor()] });
    const noop = app(() => 0);
    await Promise.all([noop(), noop()]);
    const logPath = join(dfk.runDir, 'parsl.log');
    await dfk.cleanup();
    const text = readFileSync(logPath, 'utf8');
    await teardown();
    expect(text).toContain('DataFlowKernel starting');
    expect(text).toContain('cleanup complete');
    expect(text).not.toContain('changing state');
  });

  test('cleanup is idempotent, and submitting afterwards throws NoDataFlowKernelError', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [new InProcessExecutor()] });
    const noop = app(() => 0, { dfk });
    await noop();
    await Promise.all([dfk.cleanup(), dfk.cleanup()]);
    await dfk.cleanup();
    expect(() => noop()).toThrow(parsl.NoDataFlowKernelError);
    await teardown();
  });

  test('waitForCurrentTasks waits for every task, including ones launched later by dependencies', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [new InProcessExecutor()] });
    try {
      const slow = app(async (x: number) => {
        await new Promise((r) => setTimeout(r, 20));
        return x + 1;
      });
      const fs = [slow(slow(slow(0))), slow(1)];
      await dfk.waitForCurrentTasks();
      expect(fs.every((f) => f.done())).toBe(true);
      expect(dfk.stateCounts()).toEqual({ exec_done: 4 });
    } finally {
      await teardown();
    }
  });

  test('cleanup fails tasks that never got to run instead of leaving them hanging', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [new InProcessExecutor()] });
    const id = app((x: number) => x);
    const f = id(new Promise<number>(() => {}));
    await dfk.cleanup();
    expect(await f.exception()).toBeInstanceOf(parsl.NoDataFlowKernelError);
    await teardown();
  });

  test('a kernel starts the services it is given after its executors and closes them before they shut down', async () => {
    const dir = tempDir();
    const events: string[] = [];
    class Recorded extends InProcessExecutor {
      override async start(ctx: parsl.ExecutorContext): Promise<void> {
        events.push('executor start');
        return super.start(ctx);
      }
      override async shutdown(): Promise<void> {
        events.push('executor shutdown');
        return super.shutdown();
      }
    }
    const config = new Config({ executors: [new Recorded()], runDir: join(dir.path, 'runinfo') });
    try {
      const dfk = await parsl.DataFlowKernel.start(config, {
        services: [
          async (k, c) => {
            events.push(`service start: ${k.executors.size} executor, retries ${c.retries}`);
            return { close: async () => void events.push('service close') };
          },
          async () => null,
        ],
      });
      expect(() => parsl.dfk()).toThrow(parsl.NoDataFlowKernelError); // started, not loaded
      await dfk.cleanup();
      expect(events).toEqual([
        'executor start',
        'service start: 1 executor, retries 0',
        'service close',
        'executor shutdown',
      ]);
    } finally {
      dir.remove();
    }
  });

  test('a script that loads the default config, runs tasks and cleans up exits by itself', () => {
    const dir = tempDir();
    const scriptPath = join(dir.path, 'workflow.mjs');
    const script = `
      import * as parsl from ${JSON.stringify(resolve('dist/index.js'))};
      await parsl.load(new parsl.Config({ runDir: ${JSON.stringify(join(dir.path, 'runinfo'))} }));
      const sq = parsl.app((x) => x * x);
      const r = await Promise.all([1, 2, 3].map((x) => sq(x)));
      console.log(JSON.stringify(r));
      await parsl.dfk().cleanup();
    `;
    try {
      writeFileSync(scriptPath, script);
      const r = spawnSync(process.execPath, [scriptPath], { timeout: 20_000, encoding: 'utf8' });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('[1,4,9]');
      expect(r.status).toBe(0);
    } finally {
      dir.remove();
    }
  });
});

describe('File', () => {
  test('parses URLs and plain paths', () => {
    const f = new parsl.File('https://example.org/data/set.csv');
    expect([f.scheme, f.netloc, f.path, f.filename]).toEqual([
      'https',
      'example.org',
      '/data/set.csv',
      'set.csv',
    ]);
    expect(() => f.filepath).toThrow(/no local path.*storageAccess/);
    const p = new parsl.File('/tmp/x.txt');
    expect([p.scheme, p.path, p.filepath, `${p}`]).toEqual([
      'file',
      '/tmp/x.txt',
      '/tmp/x.txt',
      '/tmp/x.txt',
    ]);
    const u = new parsl.File('file:///tmp/y.txt');
    expect(u.filepath).toBe('/tmp/y.txt');
  });
});
