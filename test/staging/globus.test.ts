import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import { type GlobusStandIn, startGlobusStandIn } from '../stand-ins/globus-transfer.js';

const REMOTE_EP = 'ddb59aef-6d04-11e5-ba46-22000b92c6ec';
const LOCAL_EP = '4f0b7d28-0000-4000-8000-000000000001';
const TOKEN = 'Ag-secret-transfer-token-123';

const shout = parsl.app((opts: { inputs: parsl.File[]; outputs: parsl.File[] }) => {
  const fs = require('node:fs');
  fs.writeFileSync(
    opts.outputs[0]!.filepath,
    fs.readFileSync(opts.inputs[0]!.filepath, 'utf8').toUpperCase(),
  );
});

let dir: { path: string; remove: () => void };
let api: GlobusStandIn;
let remote: string;
let local: string;
let tokenFile: string;

beforeAll(async () => {
  dir = tempDir('staging-globus');
  remote = join(dir.path, 'remote-endpoint');
  local = join(dir.path, 'local-endpoint');
  mkdirSync(join(remote, 'data'), { recursive: true });
  mkdirSync(local);
  writeFileSync(join(remote, 'data', 'unsorted.txt'), 'globus data');
  tokenFile = join(dir.path, 'globus-token.json');
  writeFileSync(tokenFile, JSON.stringify({ access_token: TOKEN }));
  api = await startGlobusStandIn({ [REMOTE_EP]: remote, [LOCAL_EP]: local }, TOKEN);
});
afterAll(async () => {
  await api?.close();
  dir?.remove();
});

async function withKernel(
  options: Partial<parsl.GlobusStagingOptions>,
  test: (runBase: string) => Promise<void>,
) {
  const globus = new parsl.GlobusStaging({
    endpointUuid: LOCAL_EP,
    endpointPath: '/',
    localPath: local,
    tokenFile,
    apiBase: api.url,
    pollInterval: 0.01,
    ...options,
  });
  const { runBase, teardown } = await loadKernel({
    executors: [
      new parsl.ThreadPoolExecutor({
        maxThreads: 2,
        storageAccess: [globus],
        workingDir: join(local, 'work'),
      }),
    ],
  });
  try {
    await test(runBase);
  } finally {
    await teardown();
  }
}

describe('GlobusStaging against a stand-in of the Transfer API', () => {
  it('stages in and out with submit, poll and the token from a file, sent only as a Bearer header', () =>
    withKernel({}, async () => {
      const f = shout({
        inputs: [new parsl.File(`globus://${REMOTE_EP}/data/unsorted.txt`)],
        outputs: [new parsl.File(`globus://${REMOTE_EP}/results/sorted.txt`)],
      });
      await f.outputs[0]!;
      expect(readFileSync(join(remote, 'results', 'sorted.txt'), 'utf8')).toBe('GLOBUS DATA');
      expect(readFileSync(join(local, 'work', 'unsorted.txt'), 'utf8')).toBe('globus data');
      const paths = api.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, '<id>')}`);
      expect(paths).toContain('POST /transfer');
      // At least one ACTIVE status read before SUCCEEDED per transfer: two transfers, two or more reads each.
      expect(paths.filter((p) => p === 'GET /task/<id>').length).toBeGreaterThanOrEqual(4);
      const submit = JSON.parse(api.requests.find((r) => r.path === '/transfer')!.body);
      expect(submit).toMatchObject({
        DATA_TYPE: 'transfer',
        source_endpoint: REMOTE_EP,
        destination_endpoint: LOCAL_EP,
        DATA: [
          {
            DATA_TYPE: 'transfer_item',
            source_path: '/data/unsorted.txt',
            destination_path: '/work/unsorted.txt',
          },
        ],
      });
      expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    }));

  it('fails a failed transfer with its error events, and a bad token with the API error; the token is never shown or logged', () =>
    withKernel({}, async (runBase) => {
      const missing = `globus://${REMOTE_EP}/data/missing.txt`;
      const bad = shout({
        inputs: [new parsl.File(missing)],
        outputs: [new parsl.File(`globus://${REMOTE_EP}/r/x.txt`)],
      });
      const err = await bad.exception();
      const cause = (err instanceof parsl.StagingError ? err : err?.cause) as Error;
      expect(cause).toBeInstanceOf(parsl.StagingError);
      expect(cause.message).toMatch(
        new RegExp(
          `^GlobusStaging could not stage in ${missing}: Globus transfer task \\S+ failed: FILE_NOT_FOUND: No such file or directory`,
        ),
      );
      expect(existsSync(join(local, 'work', 'missing.txt'))).toBe(false);
      await expect(bad.outputs[0]!.result()).rejects.toBeInstanceOf(Error);
      writeFileSync(tokenFile, 'Ag-expired-token-456');
      try {
        const denied = await shout({
          inputs: [new parsl.File(`globus://${REMOTE_EP}/data/unsorted.txt`)],
          outputs: [new parsl.File(join(dir.path, 'never.txt'))],
        }).exception();
        expect(denied!.message).toMatch(
          /GET \/submission_id: HTTP 401 AuthenticationFailed: Token is not active/,
        );
        expect(denied!.message).not.toContain('Ag-expired-token-456');
      } finally {
        writeFileSync(tokenFile, JSON.stringify({ access_token: TOKEN }));
      }
      for (const run of readdirSync(runBase)) {
        const log = join(runBase, run, 'parsl.log');
        if (existsSync(log)) expect(readFileSync(log, 'utf8')).not.toMatch(/Ag-(secret|expired)/);
      }
    }));

  it('needs an absolute workingDir inside localPath, said before the task runs', async () => {
    const { teardown } = await loadKernel({
      executors: [
        new parsl.ThreadPoolExecutor({
          storageAccess: [new parsl.GlobusStaging({ endpointUuid: LOCAL_EP, tokenFile, apiBase: api.url })],
        }),
      ],
    });
    try {
      const err = await shout({
        inputs: [new parsl.File(`globus://${REMOTE_EP}/data/unsorted.txt`)],
        outputs: [],
      }).exception();
      expect(err!.message).toMatch(/GlobusStaging needs executor 'threads' to have an absolute workingDir/);
    } finally {
      await teardown();
    }
  });
});
