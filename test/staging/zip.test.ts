import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';

const readIt = parsl.app((f: parsl.File) => require('node:fs').readFileSync(f.filepath, 'utf8') as string);
const writeIt = parsl.app((text: string, opts: { outputs: parsl.File[] }) => {
  require('node:fs').writeFileSync(opts.outputs[0]!.filepath, text);
});
const upper = parsl.bashApp(
  (opts: { inputs: parsl.File[]; outputs: parsl.File[] }) =>
    `tr a-z A-Z < ${opts.inputs[0]} > ${opts.outputs[0]}`,
);

const EXECUTORS = [
  ['in-process', (o: parsl.StagingOptions) => new parsl.InProcessExecutor(o)],
  ['threads', (o: parsl.StagingOptions) => new parsl.ThreadPoolExecutor({ maxThreads: 2, ...o })],
] as const;

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = tempDir('staging-zip');
});
afterEach(() => dir.remove());

describe.each(EXECUTORS)('zip staging on %s (the default providers)', (_name, executor) => {
  const withKernel = async (test: (archive: string) => Promise<void>) => {
    const work = join(dir.path, 'work');
    mkdirSync(work);
    const { teardown } = await loadKernel({ executors: [executor({ workingDir: work })] });
    try {
      await test(join(dir.path, 'data.zip'));
    } finally {
      await teardown();
    }
  };

  it('stages a member in, and outputs out, one zip to the next', () =>
    withKernel(async (archive) => {
      const zip = new AdmZip();
      zip.addFile('inner/in.txt', Buffer.from('zipped text'));
      zip.writeZip(archive);
      expect(await readIt(new parsl.File(`zip:${archive}/inner/in.txt`))).toBe('zipped text');
      const out = join(dir.path, 'out.zip');
      const u = upper({
        inputs: [new parsl.File(`zip:${archive}/inner/in.txt`)],
        outputs: [new parsl.File(`zip:${out}/up.txt`)],
      });
      // The output DataFuture feeds the next task, which stages the member back out of the zip.
      expect(await readIt(u.outputs[0]!)).toBe('ZIPPED TEXT');
      expect(new AdmZip(out).readAsText('up.txt')).toBe('ZIPPED TEXT');
    }));

  it('serialises concurrent writers to one zip: every member arrives', () =>
    withKernel(async (archive) => {
      const n = 12;
      const futs = Array.from({ length: n }, (_, i) =>
        writeIt(`member ${i}`, { outputs: [new parsl.File(`zip:${archive}/m/${i}.txt`)] }),
      );
      await Promise.all(futs.map((f) => f.outputs[0]!.result()));
      const zip = new AdmZip(archive);
      for (let i = 0; i < n; i++) expect(zip.readAsText(`m/${i}.txt`)).toBe(`member ${i}`);
      expect(existsSync(`${archive}.lock`)).toBe(false);
    }));

  it('fails clearly on a missing member, a missing archive, and a zip URL with a host', () =>
    withKernel(async (archive) => {
      const zip = new AdmZip();
      zip.addFile('here.txt', Buffer.from('x'));
      zip.writeZip(archive);
      const cause = (e: Error | null) => (e instanceof parsl.StagingError ? e : e?.cause) as Error;
      const member = await readIt(new parsl.File(`zip:${archive}/not/here.txt`)).exception();
      expect(cause(member)).toBeInstanceOf(parsl.StagingError);
      expect(cause(member).message).toBe(
        `ZipFileStaging could not stage in zip:${archive}/not/here.txt: zip archive ${archive} has no member 'not/here.txt'`,
      );
      const none = await readIt(new parsl.File(`zip:${dir.path}/none.zip/a.txt`)).exception();
      expect(cause(none).message).toMatch(/none\.zip does not exist/);
      const host = await readIt(new parsl.File('zip://somehost/a.zip/b.txt')).exception();
      expect(host).toBeInstanceOf(parsl.ZipAuthorityError);
      expect(readFileSync(archive).length).toBeGreaterThan(0);
    }));
});
