import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import {
  closedPort,
  type FileServer,
  partialFiles,
  selfSignedCertificate,
  startFileServer,
} from '../helpers/staging.js';

const readIt = parsl.app((f: parsl.File) => require('node:fs').readFileSync(f.filepath, 'utf8') as string);
const wc = parsl.bashApp((opts: { inputs: parsl.File[] }) => `test "$(cat ${opts.inputs[0]})" = "served"`);

let dir: { path: string; remove: () => void };
let http: FileServer;
let https: FileServer;
let cert: { key: string; cert: string };

beforeAll(async () => {
  dir = tempDir('staging-http');
  const root = join(dir.path, 'www');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'sub', 'data.txt'), 'served');
  cert = selfSignedCertificate(dir.path);
  http = await startFileServer(root);
  https = await startFileServer(root, cert);
});
afterAll(async () => {
  await http?.close();
  await https?.close();
  dir?.remove();
});

const EXECUTORS = [
  ['in-process', (o: parsl.StagingOptions) => new parsl.InProcessExecutor(o)],
  ['threads', (o: parsl.StagingOptions) => new parsl.ThreadPoolExecutor({ maxThreads: 2, ...o })],
] as const;
const PROVIDERS = [
  ['HTTPSeparateTaskStaging', (o?: parsl.HTTPStagingOptions) => new parsl.HTTPSeparateTaskStaging(o)],
  ['HTTPInTaskStaging', (o?: parsl.HTTPStagingOptions) => new parsl.HTTPInTaskStaging(o)],
] as const;

describe.each(EXECUTORS)('HTTP staging on %s', (exName, executor) => {
  describe.each(PROVIDERS)('%s', (provider, make) => {
    const withKernel = async (test: (work: string) => Promise<void>) => {
      const work = join(dir.path, `work-${exName}-${provider}`);
      const { teardown } = await loadKernel({
        executors: [executor({ storageAccess: [make({ ca: cert.cert })], workingDir: work })],
      });
      try {
        await test(work);
      } finally {
        await teardown();
      }
    };

    it('stages http and https inputs (the self-signed certificate trusted through the ca option)', () =>
      withKernel(async (work) => {
        expect(await readIt(new parsl.File(`${http.url}/sub/data.txt`))).toBe('served');
        expect(await wc({ inputs: [new parsl.File(`${https.url}/sub/data.txt`)] })).toBe(0);
        expect(readFileSync(join(work, 'data.txt'), 'utf8')).toBe('served');
      }));

    it('fails on 404, a refused connection and a broken transfer with a StagingError; nothing partial is left; other tasks go on', () =>
      withKernel(async (work) => {
        const port = await closedPort();
        const cases = [
          [`${http.url}/sub/missing.txt`, /HTTP 404/],
          [`http://127.0.0.1:${port}/x.txt`, /ECONNREFUSED/],
          [`${http.url}/truncated/100000`, /aborted|ECONNRESET|socket hang up|Premature close/],
        ] as const;
        const futures = cases.map(([url]) => readIt(new parsl.File(url)));
        const good = readIt(new parsl.File(`${http.url}/sub/data.txt`));
        for (const [i, [url, cause]] of cases.entries()) {
          const err = await futures[i]!.exception();
          const staging = err instanceof parsl.StagingError ? err : err?.cause;
          expect(staging).toBeInstanceOf(parsl.StagingError);
          expect((staging as Error).message).toContain(`${provider} could not stage in ${url}: `);
          expect((staging as Error).message).toMatch(cause);
        }
        expect(await good).toBe('served');
        expect(existsSync(join(work, 'missing.txt'))).toBe(false);
        expect(existsSync(join(work, '100000'))).toBe(false);
        expect(partialFiles(work)).toEqual([]);
      }));
  });

  it('does not trust a self-signed certificate unless told to', async () => {
    const work = join(dir.path, `work-untrusted-${exName}`);
    const { teardown } = await loadKernel({
      executors: [executor({ storageAccess: [new parsl.HTTPInTaskStaging()], workingDir: work })],
    });
    try {
      const err = await readIt(new parsl.File(`${https.url}/sub/data.txt`)).exception();
      expect(err).toBeInstanceOf(parsl.StagingError);
      expect(err!.message).toMatch(/self[- ]signed certificate/);
      expect(partialFiles(work)).toEqual([]);
    } finally {
      await teardown();
    }
  });
});
