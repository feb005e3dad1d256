/**
 * Staging benchmark (run under `testslot --exclusive`; build first with npm run build):
 *
 *   node --import tsx bench/staging.ts
 *
 * Prints one JSON object:
 * - `http`: a 100 MB stage-in over loopback HTTP through the kernel (HTTPSeparateTaskStaging and
 *   HTTPInTaskStaging, on the in-process executor), against `curl -o` of the same file from the same server in
 *   the same run; median of the repetitions, ratio ours/curl (target ≤ 1.2).
 * - `ftp`: the same against `curl -o` from the tests' vsftpd (anonymous), and `rsync`: RSyncStaging against the
 *   same `rsync` command over the tests' sshd (both services started here; `missing` says why one could not).
 *   Keys: `toolMs`, and per provider `<mode>Ms` and `<mode>VsTool`.
 * - `noop`: the per-task cost of NoOp staging for a local File on the InProcessExecutor: tasks taking a File
 *   (and one declared output) minus the same tasks taking a number, per task (target ≤ 5 µs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import { SERVICES_BASE, startService } from '../test/helpers/services.js';
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

type Provider = parsl.StagingProvider;

/**
 * Median times of `tool` (the command-line tool, writing to the path it is given) and of staging `file` in
 * through the kernel with each provider (in-process executor), interleaved so load drift hits every side alike.
 */
async function againstTool(
  tool: (dest: string) => void,
  file: () => parsl.File,
  providers: Record<string, () => Provider>,
): Promise<Record<string, unknown>> {
  const times: Record<string, number[]> = { tool: [] };
  const sizeOf = parsl.app((f: parsl.File) => statSync(f.filepath).size);
  for (let rep = 0; rep < REPS; rep++) {
    const dest = join(dir, `tool-${rep}.bin`);
    const t0 = performance.now();
    tool(dest);
    (times.tool as number[]).push(performance.now() - t0);
    rmSync(dest);
    for (const [name, make] of Object.entries(providers)) {
      const work = join(dir, `${name}-${rep}`);
      const dfk = await parsl.load(
        new parsl.Config({
          runDir: join(dir, 'runinfo'),
          executors: [new parsl.InProcessExecutor({ storageAccess: [make()], workingDir: work })],
        }),
      );
      try {
        const t1 = performance.now();
        const size = await sizeOf(file());
        (times[name] ??= []).push(performance.now() - t1);
        if (size !== MB * 1024 * 1024) throw new Error(`${name} staged ${size} bytes, expected ${MB} MB`);
      } finally {
        await dfk.cleanup();
        parsl.clear();
        rmSync(work, { recursive: true, force: true });
      }
    }
  }
  const toolMedian = median(times.tool as number[]);
  const out: Record<string, unknown> = { megabytes: MB, repetitions: REPS, toolMs: round(toolMedian, 1) };
  for (const name of Object.keys(providers)) {
    const m = median(times[name] as number[]);
    out[`${name}Ms`] = round(m, 1);
    out[`${name}VsTool`] = round(m / toolMedian, 3);
  }
  out.toolMBps = round(MB / (toolMedian / 1000), 1);
  return out;
}

const bigFile = (path: string) => writeFileSync(path, Buffer.alloc(MB * 1024 * 1024, 7));

/** HTTP against `curl -o`, from a server in a child process. */
async function httpBench(): Promise<Record<string, unknown>> {
  const www = join(dir, 'www');
  mkdirSync(www, { recursive: true });
  bigFile(join(www, 'big.bin'));
  const server = await startServer(www);
  const url = `${server.url}/big.bin`;
  try {
    return await againstTool(
      (dest) => execFileSync('curl', ['-s', '-f', '-o', dest, url]),
      () => new parsl.File(url),
      {
        separateTask: () => new parsl.HTTPSeparateTaskStaging(),
        inTask: () => new parsl.HTTPInTaskStaging(),
      },
    );
  } finally {
    server.stop();
  }
}

/** FTP (anonymous, the real vsftpd of the tests) against `curl -o ftp://…`. */
async function ftpBench(): Promise<Record<string, unknown>> {
  const ftp = await startService('vsftpd', {
    BASE: `${SERVICES_BASE}/vsftpd-bench`,
    PORT: '2141',
    PASV_MIN: '30200',
  });
  if (ftp.missing !== null) return { missing: ftp.missing };
  try {
    bigFile(join(ftp.env.FTP_ANON_ROOT!, 'big.bin'));
    const url = `ftp://127.0.0.1:${ftp.env.FTP_PORT}/big.bin`;
    return await againstTool(
      (dest) => execFileSync('curl', ['-s', '-f', '-o', dest, url]),
      () => new parsl.File(url),
      {
        separateTask: () => new parsl.FTPSeparateTaskStaging(),
        inTask: () => new parsl.FTPInTaskStaging(),
      },
    );
  } finally {
    await ftp.stop();
  }
}

/** RSyncStaging against the same `rsync` command over the test sshd. */
async function rsyncBench(): Promise<Record<string, unknown>> {
  const base = `${SERVICES_BASE}/sshd-bench`;
  const sshd = await startService('sshd', { BASE: base, PORT: '2241' });
  if (sshd.missing !== null) return { missing: sshd.missing };
  try {
    const remote = join(dir, 'remote', 'big.bin');
    mkdirSync(join(dir, 'remote'));
    bigFile(remote);
    const rsh = `ssh -p 2241 -i ${base}/client_ed25519 -o UserKnownHostsFile=${base}/known_hosts -o StrictHostKeyChecking=yes`;
    return await againstTool(
      (dest) =>
        execFileSync('rsync', ['-t', '-e', `${rsh} -o BatchMode=yes`, '--', `127.0.0.1:${remote}`, dest]),
      () => new parsl.File(remote),
      { inTask: () => new parsl.RSyncStaging({ hostname: '127.0.0.1', rsh }) },
    );
  } finally {
    await sshd.stop();
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
  const ftp = await ftpBench();
  const rsync = await rsyncBench();
  const noop = await noopBench();
  const result = {
    bench: 'staging',
    node: process.version,
    http,
    ftp,
    rsync,
    noop,
    targets: TARGETS,
    met: {
      httpVsCurl:
        (http.separateTaskVsTool as number) <= TARGETS.httpVsCurl &&
        (http.inTaskVsTool as number) <= TARGETS.httpVsCurl,
      noopUsPerTask: (noop.noopUsPerTask as number) <= TARGETS.noopUsPerTask,
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
