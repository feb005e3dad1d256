// Staging without a shared file system: HTEX workers run in a directory of their own (their workerInit cds
// there) and the submit side never sees their files; the thread pool stages into a workingDir of its own.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshRunDir } from '../helpers/executors.js';
import { tempDir } from '../helpers/paths.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';
import { type FileServer, SP2Staging, startFileServer } from '../helpers/staging.js';

const process_ = parsl.app((opts: { inputs: parsl.File[]; outputs: parsl.File[] }) => {
  const fs = require('node:fs');
  const text = fs.readFileSync(opts.inputs[0]!.filepath, 'utf8') as string;
  fs.writeFileSync(opts.outputs[0]!.filepath, text.toUpperCase());
  return process.cwd();
});

let dir: { path: string; remove: () => void };
let http: FileServer;
beforeAll(async () => {
  dir = tempDir('staging-noshare');
  mkdirSync(join(dir.path, 'www'));
  writeFileSync(join(dir.path, 'www', 'input.txt'), 'remote input');
  http = await startFileServer(join(dir.path, 'www'));
});
afterAll(async () => {
  await http?.close();
  dir?.remove();
});

async function stageThrough(
  mode: 'in-task' | 'separate-task',
  store: string,
): Promise<{ cwd: unknown; out: parsl.File }> {
  const input = new parsl.File(`${http.url}/input.txt`);
  const f = process_({ inputs: [input], outputs: [new parsl.File(`sp2://results/${mode}/output.txt`)] });
  const out = await f.outputs[0]!;
  expect(readFileSync(join(store, 'results', mode, 'output.txt'), 'utf8')).toBe('REMOTE INPUT');
  return { cwd: await f, out };
}

describe('HTEX whose workers run in another working directory', () => {
  let marker = '';
  it('stages an HTTP input in (in-task and separate-task) and an output out (in-task) where the workers run', async () => {
    const { runDir } = freshRunDir('staging-noshare');
    marker = runDir;
    const workerDir = join(dir.path, 'worker-side');
    const store = join(dir.path, 'store');
    mkdirSync(workerDir);
    const providers = (mode: 'in-task' | 'separate-task') => [
      mode === 'in-task' ? new parsl.HTTPInTaskStaging() : new parsl.HTTPSeparateTaskStaging(),
      new SP2Staging('in-task', store),
    ];
    for (const mode of ['in-task', 'separate-task'] as const) {
      const ex = new parsl.HighThroughputExecutor({
        label: 'htex',
        address: '127.0.0.1',
        maxWorkersPerNode: 2,
        storageAccess: providers(mode),
        provider: new parsl.LocalProvider({
          launcher: new parsl.SimpleLauncher({ debug: false }),
          initBlocks: 1,
          workerInit: `cd ${workerDir}`,
          statusPollingInterval: 200,
        }),
      });
      const dfk = await parsl.load(new parsl.Config({ executors: [ex], runDir, strategy: 'none' }));
      try {
        if (ex.statuses().size === 0) await ex.scaleOut(1);
        const { cwd, out } = await stageThrough(mode, store);
        expect(cwd).toBe(workerDir);
        // Relative to wherever the task runs: the staged copies are in the workers' directory only.
        expect(out.filepath).toBe('output.txt');
        expect(readFileSync(join(workerDir, 'input.txt'), 'utf8')).toBe('remote input');
        expect(existsSync(join(process.cwd(), 'input.txt'))).toBe(false);
      } finally {
        await dfk.cleanup();
        parsl.clear();
      }
    }
    await expectNoProcessLeft(runDir);
    killAll(marker);
  });
});

describe('the thread pool with a workingDir of its own', () => {
  it('stages in and out through that directory, never the process directory', async () => {
    const work = join(dir.path, 'threads-work');
    const store = join(dir.path, 'store-threads');
    const { runDir } = freshRunDir('staging-noshare-threads');
    const dfk = await parsl.load(
      new parsl.Config({
        runDir,
        executors: [
          new parsl.ThreadPoolExecutor({
            maxThreads: 2,
            workingDir: work,
            storageAccess: [new parsl.HTTPInTaskStaging(), new SP2Staging('in-task', store)],
          }),
        ],
      }),
    );
    try {
      const { out } = await stageThrough('in-task', store);
      expect(out.filepath).toBe(join(work, 'output.txt'));
      expect(readFileSync(join(work, 'input.txt'), 'utf8')).toBe('remote input');
      expect(existsSync(join(process.cwd(), 'input.txt'))).toBe(false);
    } finally {
      await dfk.cleanup();
      parsl.clear();
    }
  });
});
