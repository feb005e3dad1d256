// Needs the real vsftpd (scripts/services/vsftpd.sh): run under `testslot --exclusive`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import { SERVICES_BASE, type Service, startService } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';
import { partialFiles } from '../helpers/staging.js';

const readIt = parsl.app((f: parsl.File) => require('node:fs').readFileSync(f.filepath, 'utf8') as string);

let ftp: Service;
let dir: { path: string; remove: () => void };
let base: string;
let kernels = 0;

beforeAll(async () => {
  dir = tempDir('staging-ftp');
  ftp = await startService('vsftpd', {
    BASE: `${SERVICES_BASE}/vsftpd-staging`,
    PORT: '2121',
    PASV_MIN: '30000',
  });
  if (ftp.missing !== null) return;
  mkdirSync(join(ftp.env.FTP_ANON_ROOT!, 'pub'), { recursive: true });
  writeFileSync(join(ftp.env.FTP_ANON_ROOT!, 'pub', 'open.txt'), 'anonymous data');
  writeFileSync(join(ftp.env.FTP_USER_ROOT!, 'private.txt'), 'user data');
  base = `ftp://127.0.0.1:${ftp.env.FTP_PORT}`;
});
afterAll(async () => {
  await ftp?.stop();
  dir?.remove();
});

const EXECUTORS = [
  ['in-process', (o: parsl.StagingOptions) => new parsl.InProcessExecutor(o)],
  ['threads', (o: parsl.StagingOptions) => new parsl.ThreadPoolExecutor({ maxThreads: 2, ...o })],
] as const;
const PROVIDERS = [
  ['FTPSeparateTaskStaging', (o?: parsl.FTPStagingOptions) => new parsl.FTPSeparateTaskStaging(o)],
  ['FTPInTaskStaging', (o?: parsl.FTPStagingOptions) => new parsl.FTPInTaskStaging(o)],
] as const;

describe.each(EXECUTORS)('FTP staging on %s', (exName, executor) => {
  beforeEach((ctx) => skipOrFail(ctx, ftp.missing));
  describe.each(PROVIDERS)('%s', (provider, make) => {
    const withKernel = async (opts: parsl.FTPStagingOptions, test: (work: string) => Promise<void>) => {
      const work = join(dir.path, `work-${exName}-${provider}-${++kernels}`);
      const { teardown } = await loadKernel({
        executors: [executor({ storageAccess: [make(opts)], workingDir: work })],
      });
      try {
        await test(work);
      } finally {
        await teardown();
      }
    };

    it('stages in anonymously, and with a user and password (options or URL)', () =>
      withKernel({ user: ftp.env.FTP_USER!, password: ftp.env.FTP_PASSWORD! }, async () => {
        expect(await readIt(new parsl.File(`${base}/private.txt`))).toBe('user data');
        const u = encodeURIComponent(ftp.env.FTP_USER!);
        const p = encodeURIComponent(ftp.env.FTP_PASSWORD!);
        expect(
          await readIt(new parsl.File(`ftp://${u}:${p}@127.0.0.1:${ftp.env.FTP_PORT}/private.txt`)),
        ).toBe('user data');
      }).then(() =>
        withKernel({}, async () => {
          expect(await readIt(new parsl.File(`${base}/pub/open.txt`))).toBe('anonymous data');
        }),
      ));

    it('fails a wrong password and a missing file with a StagingError (no password shown, nothing partial); other tasks go on', () =>
      withKernel({ user: ftp.env.FTP_USER!, password: 'not-the-password' }, async (work) => {
        const bad = readIt(new parsl.File(`${base}/private.txt`));
        const err = await bad.exception();
        const staging = err instanceof parsl.StagingError ? err : err?.cause;
        expect(staging).toBeInstanceOf(parsl.StagingError);
        expect((staging as Error).message).toContain(`${provider} could not stage in ${base}/private.txt: `);
        expect((staging as Error).message).toMatch(/530/);
        expect(err!.message).not.toContain('not-the-password');
        expect(existsSync(join(work, 'private.txt'))).toBe(false);
      }).then(() =>
        withKernel({}, async (work) => {
          const missing = readIt(new parsl.File(`${base}/pub/nothing.txt`));
          const good = readIt(new parsl.File(`${base}/pub/open.txt`));
          const err = await missing.exception();
          expect(err!.message).toMatch(/could not stage in .*nothing\.txt: .*550/);
          expect(await good).toBe('anonymous data');
          expect(existsSync(join(work, 'nothing.txt'))).toBe(false);
          expect(partialFiles(work)).toEqual([]);
        }),
      ));
  });
});

describe('FTP against a server that never answers', () => {
  it('fails after the timeout option, in seconds', async () => {
    const silent = createNetServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `ftp://127.0.0.1:${(silent.address() as AddressInfo).port}/x.txt`;
    const { teardown } = await loadKernel({
      executors: [
        new parsl.InProcessExecutor({
          storageAccess: [new parsl.FTPInTaskStaging({ timeout: 0.2 })],
          workingDir: join(dir.path, 'silent'),
        }),
      ],
    });
    try {
      const err = await readIt(new parsl.File(url)).exception();
      expect(err).toBeInstanceOf(parsl.StagingError);
      expect(err!.message).toMatch(/FTPInTaskStaging could not stage in .*: Timeout \(control socket\)/);
    } finally {
      await teardown();
      silent.close();
    }
  });
});
