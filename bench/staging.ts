/**
 * Staging benchmark (run under `testslot --exclusive`; build first with npm run build):
 *
 *   node --import tsx bench/staging.ts
 *
 * Prints one JSON object:
 * - `http`: a 100 MB stage-in over loopback HTTP through the kernel (HTTPSeparateTaskStaging and
 *   HTTPInTaskStaging, on the in-process executor), against `curl -o` of the same file from the same server in
 *   the same run; median of the repetitions, ratio ours/curl (target ≤ 1.2).
 * - `noop`: the per-task cost of NoOp staging for a local File on the InProcessExecutor: tasks taking a File
 *   (and one declared output) minus the same tasks taking a number, per task (target ≤ 5 µs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { round } from './harness.js';

const MB = 100;
const REPS = 5;
const NOOP_TASKS = 100_000;
const NOOP_REPS = 5;
const TARGETS = { httpVsCurl: 1.2, noopUsPerTask: 5 };

const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-staging-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A static file server in a child process, so serving does not share this event loop with the download. */
async function startServer(root: string): Promise<{ url: string; stop: () => void }> {
  const script = `
    const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
    const s = http.createServer((req, res) => {
      const f = path.join(${JSON.stringify(root)}, path.normalize(decodeURIComponent(req.url)));
      fs.stat(f, (e, st) => {
        if (e) { res.writeHead(404).end(); return; }
        res.writeHead(200, { 'content-length': st.size });
        fs.createReadStream(f, { highWaterMark: 1 << 20 }).pipe(res);
      });
    });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function httpBench(): Promise<Record<string, unknown>> {
  const www = join(dir, 'www');
  execFileSync('mkdir', ['-p', www]);
  writeFileSync(join(www, 'big.bin'), Buffer.alloc(MB * 1024 * 1024, 7));
  const server = await startServer(www);
  const url = `${server.url}/big.bin`;
  try {
    const curl: number[] = [];
    const separate: number[] = [];
    const inTask: number[] = [];
    const sizeOf = parsl.app((f: parsl.File) => statSync(f.filepath).size);
    for (let rep = 0; rep < REPS; rep++) {
      const dest = join(dir, `curl-${rep}.bin`);
      let t0 = performance.now();
      execFileSync('curl', ['-s', '-f', '-o', dest, url]);
      curl.push(performance.now() - t0);
      rmSync(dest);
      for (const [name, times, provider] of [
        ['separate', separate, new parsl.HTTPSeparateTaskStaging()],
        ['in-task', inTask, new parsl.HTTPInTaskStaging()],
      ] as const) {
        const work = join(dir, `${name}-${rep}`);
        const dfk = await parsl.load(
          new parsl.Config({
            runDir: join(dir, 'runinfo'),
            executors: [new parsl.InProcessExecutor({ storageAccess: [provider], workingDir: work })],
          }),
        );
        try {
          t0 = performance.now();
          const size = await sizeOf(new parsl.File(url));
          times.push(performance.now() - t0);
          if (size !== MB * 1024 * 1024) throw new Error(`staged ${size} bytes, expected ${MB} MB`);
        } finally {
          await dfk.cleanup();
          parsl.clear();
          rmSync(work, { recursive: true, force: true });
        }
      }
    }
    const c = median(curl);
    return {
      megabytes: MB,
      repetitions: REPS,
      curlMs: round(c, 1),
      separateTaskMs: round(median(separate), 1),
      inTaskMs: round(median(inTask), 1),
      separateTaskVsCurl: round(median(separate) / c, 3),
      inTaskVsCurl: round(median(inTask) / c, 3),
      curlMBps: round(MB / (c / 1000), 1),
    };
  } finally {
    server.stop();
  }
}

async function noopBench(): Promise<Record<string, unknown>> {
  const local = join(dir, 'local.txt');
  writeFileSync(local, 'x');
  const withFile = parsl.app((_f: parsl.File) => 0);
  const withNumber = parsl.app((_n: number) => 0);
  const withOutput = parsl.app((_o: { outputs: parsl.File[] }) => 0);
  const withKeyword = parsl.app((_o: { tag: number }) => 0);
  const file = new parsl.File(local);
  const out = new parsl.File(join(dir, 'out.txt'));
  await parsl.load(
    new parsl.Config({
      runDir: join(dir, 'runinfo'),
      executors: [new parsl.InProcessExecutor()],
      appCache: false,
    }),
  );
  const run = async (submit: (i: number) => PromiseLike<unknown>) => {
    const t0 = performance.now();
    const all: PromiseLike<unknown>[] = new Array(NOOP_TASKS);
    for (let i = 0; i < NOOP_TASKS; i++) all[i] = submit(i);
    await Promise.all(all);
    return ((performance.now() - t0) * 1000) / NOOP_TASKS;
  };
  try {
    const t = {
      file: [] as number[],
      number: [] as number[],
      output: [] as number[],
      keyword: [] as number[],
    };
    const sides = {
      file: () => withFile(file),
      number: (i: number) => withNumber(i),
      output: () => withOutput({ outputs: [out] }),
      keyword: (i: number) => withKeyword({ tag: i }),
    };
    for (const s of Object.values(sides)) await run(s); // warm-up
    for (let rep = 0; rep < NOOP_REPS; rep++) {
      // Interleaved so drift (GC, other load) hits every side alike.
      for (const [k, s] of Object.entries(sides)) t[k as keyof typeof t].push(await run(s));
    }
    const m = {
      file: median(t.file),
      number: median(t.number),
      output: median(t.output),
      keyword: median(t.keyword),
    };
    return {
      tasks: NOOP_TASKS,
      repetitions: NOOP_REPS,
      usPerTask: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v, 2)])),
      // A local File argument against a number argument: the data manager's scan and its NoOp decision.
      noopUsPerTask: round(m.file - m.number, 2),
      // One declared local output against a plain keyword: the scan plus the output's DataFuture.
      noopOutputUsPerTask: round(m.output - m.keyword, 2),
    };
  } finally {
    await parsl.dfk().cleanup();
    parsl.clear();
  }
}

try {
  const http = await httpBench();
  const noop = await noopBench();
  const result = {
    bench: 'staging',
    node: process.version,
    http,
    noop,
    targets: TARGETS,
    met: {
      httpVsCurl:
        (http.separateTaskVsCurl as number) <= TARGETS.httpVsCurl &&
        (http.inTaskVsCurl as number) <= TARGETS.httpVsCurl,
      noopUsPerTask: (noop.noopUsPerTask as number) <= TARGETS.noopUsPerTask,
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
