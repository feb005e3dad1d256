import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import { SP2Staging } from '../helpers/staging.js';

const cat = parsl.bashApp(
  (opts: { inputs: parsl.File[]; outputs: parsl.File[] }) =>
    `cat ${opts.inputs.map((f) => f.filepath).join(' ')} > ${opts.outputs[0]!.filepath}`,
);
const readIt = parsl.app((f: parsl.File) => require('node:fs').readFileSync(f.filepath, 'utf8') as string);
const writeIt = parsl.app((text: string, opts: { outputs: parsl.File[] }) => {
  require('node:fs').writeFileSync(opts.outputs[0]!.filepath, text);
  return opts.outputs[0]!.filepath;
});

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = tempDir('staging-dm');
});
afterEach(() => dir.remove());

const EXECUTORS = [
  ['in-process', (o: parsl.StagingOptions) => new parsl.InProcessExecutor(o)],
  ['threads', (o: parsl.StagingOptions) => new parsl.ThreadPoolExecutor({ maxThreads: 2, ...o })],
] as const;

describe.each(EXECUTORS)('data manager on %s', (_name, executor) => {
  it('leaves local Files where they are and completes output DataFutures with the task', async () => {
    const { teardown } = await loadKernel({ executors: [executor({})] });
    try {
      const a = join(dir.path, 'a.txt');
      writeFileSync(a, 'alpha\n');
      const out = new parsl.File(join(dir.path, 'out.txt'));
      const fut = cat({ inputs: [new parsl.File(a)], outputs: [out] });
      const df = fut.outputs[0]!;
      expect(df).toBeInstanceOf(parsl.DataFuture);
      expect((await df).filepath).toBe(out.filepath);
      expect(readFileSync(out.filepath, 'utf8')).toBe('alpha\n');
    } finally {
      await teardown();
    }
  });

  it('fails a task whose File no provider accepts before it runs, naming executor, URL and providers', async () => {
    const { dfk, teardown } = await loadKernel({ executors: [executor({})] });
    try {
      const marker = join(dir.path, 'ran');
      const touch = parsl.bashApp((m: string, _f: parsl.File) => `touch ${m}`);
      const err = await touch(marker, new parsl.File('sp3://bucket/data.csv')).exception();
      expect(err).toBeInstanceOf(parsl.NoStagingProviderError);
      const label = [...dfk.executors.keys()][0]!;
      expect(err!.message).toContain(`executor '${label}'`);
      expect(err!.message).toContain('sp3://bucket/data.csv');
      expect(err!.message).toContain('NoOpFileStaging, FTPSeparateTaskStaging, HTTPSeparateTaskStaging');
      expect(existsSync(marker)).toBe(false);
    } finally {
      await teardown();
    }
  });

  it('with storageAccess: [] stages nothing: a remote File fails its task, a local one is used in place', async () => {
    const { teardown } = await loadKernel({ executors: [executor({ storageAccess: [] })] });
    try {
      const err = await readIt(new parsl.File('https://example.org/x.txt')).exception();
      expect(err).toBeInstanceOf(parsl.NoStagingProviderError);
      expect(err!.message).toMatch(/storageAccess: \[\].*https:\/\/example\.org\/x\.txt/);
      const local = join(dir.path, 'l.txt');
      writeFileSync(local, 'here');
      expect(await readIt(new parsl.File(local))).toBe('here');
    } finally {
      await teardown();
    }
  });

  it.each(['separate-task', 'in-task', 'kernel'] as const)(
    'runs a user-defined provider (%s) in and out, and chains an output into the next input',
    async (mode) => {
      const store = join(dir.path, 'store');
      mkdirSync(join(store, 'bucket'), { recursive: true });
      writeFileSync(join(store, 'bucket', 'in.txt'), 'from the store');
      const work = join(dir.path, 'work');
      const { teardown } = await loadKernel({
        executors: [executor({ storageAccess: [new SP2Staging(mode, store)], workingDir: work })],
      });
      try {
        expect(await readIt(new parsl.File('sp2://bucket/in.txt'))).toBe('from the store');
        const w = writeIt('produced', { outputs: [new parsl.File('sp2://bucket/out/result.txt')] });
        const df = w.outputs[0]!;
        const file = await df;
        // The DataFuture completes only once the data is in the store.
        expect(readFileSync(join(store, 'bucket', 'out', 'result.txt'), 'utf8')).toBe('produced');
        expect(file.filepath).toBe(join(work, 'result.txt'));
        expect(await readIt(df)).toBe('produced');
        // A failing step fails that task only, with a StagingError naming provider and URL.
        const bad = readIt(new parsl.File('sp2://bucket/missing.txt'));
        const good = readIt(new parsl.File('sp2://bucket/in.txt'));
        const err = await bad.exception();
        const cause = err instanceof parsl.StagingError ? err : err?.cause;
        expect(cause).toBeInstanceOf(parsl.StagingError);
        expect((cause as Error).message).toMatch(
          /^SP2Staging could not stage in sp2:\/\/bucket\/missing\.txt: .*ENOENT/,
        );
        expect(await good).toBe('from the store');
      } finally {
        await teardown();
      }
    },
  );
});

describe('File URLs for staging', () => {
  it('parses zip:/archive.zip/member without a netloc, as Parsl does', () => {
    const f = new parsl.File('zip:/data/a.zip/inner/b.txt');
    expect([f.scheme, f.netloc, f.path, f.filename]).toEqual(['zip', '', '/data/a.zip/inner/b.txt', 'b.txt']);
    expect(new parsl.File('/plain/path.txt').scheme).toBe('file');
  });

  it('tells how to stage a remote File that has no local path, naming only real options', () => {
    expect(() => new parsl.File('https://example.org/x').filepath).toThrow(
      /https:\/\/example\.org\/x has no local path.*storageAccess \(a provider for 'https'/,
    );
  });
});

describe('staging options', () => {
  it('name the class and field of a bad value', () => {
    expect(() => new parsl.ThreadPoolExecutor({ storageAccess: ['http'] as never })).toThrow(
      /ThreadPoolExecutor.*storageAccess.*staging providers/,
    );
    expect(() => new parsl.InProcessExecutor({ workingDir: 3 as never })).toThrow(
      /InProcessExecutor.*workingDir/,
    );
    expect(() => new parsl.HighThroughputExecutor({ storageAccess: {} as never })).toThrow(
      /HighThroughputExecutor.*storageAccess/,
    );
    expect(() => new parsl.RSyncStaging({} as never)).toThrow(/RSyncStaging.*hostname/);
    expect(() => new parsl.GlobusStaging({ endpointUuid: 'e' } as never)).toThrow(/GlobusStaging.*tokenFile/);
    expect(() => new parsl.HTTPInTaskStaging({ cafile: 'x' } as never)).toThrow(/HTTPInTaskStaging.*cafile/);
    expect(() => new parsl.FTPInTaskStaging({ timeout: -1 })).toThrow(/FTPInTaskStaging.*timeout/);
  });
});
