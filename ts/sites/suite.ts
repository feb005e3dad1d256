/**
 * The site suite: the checks a site admin runs to trust a config (Parsl's site tests, rewritten as one small
 * program): apps of both kinds, a dependency chain, outputs on the shared file system, an MPI program through
 * the MPIExecutor, an ExtremeScaleExecutor run, scaling out to two blocks and back, and a checkpoint resume.
 * A check that does not apply to the site is skipped by name with the reason (never silently).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { app, bashApp } from '../app/app.js';
import type { Config } from '../config.js';
import { File } from '../data/file.js';
import { getLastCheckpoint } from '../dataflow/memo/checkpoint.js';
import type { Executor } from '../executors/base.js';
import { ExtremeScaleExecutor } from '../executors/exex/executor.js';
import { HighThroughputExecutor } from '../executors/htex/executor.js';
import { MPIExecutor } from '../executors/mpi-apps/executor.js';
import { clear, load } from '../load.js';
import { JobState, type JobStatus } from '../providers/base.js';
import { PACKAGE_VERSION } from '../version.js';
import { checkInAllocationOutput, inAllocationJob } from './in-allocation.js';
import type { SiteOptions } from './options.js';
import type { Site, SiteContext } from './site.js';
import { validateConfig } from './validate.js';

export const CHECKS = [
  'js-app',
  'bash-app',
  'dependency-chain',
  'shared-fs',
  'mpi-hello',
  'extreme-scale',
  'scale-out-in',
  'in-allocation',
  'checkpoint-resume',
] as const;
export type CheckName = (typeof CHECKS)[number];

/** What a simulated site runs: enough to show the config reaches its scheduler and its workers come back. */
export const SHORT_CHECKS: readonly CheckName[] = [
  'js-app',
  'bash-app',
  'dependency-chain',
  'shared-fs',
  'mpi-hello',
];

export interface CheckResult {
  /** A suite check, or `job-scripts` for a dry run. */
  readonly name: CheckName | 'job-scripts';
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail: string;
  readonly seconds: number;
}

/** One matrix row's evidence: written by `--json FILE`, read by the MATRIX.md generator. */
export interface SiteRun {
  readonly site: string;
  /** `site`: run at the site; `simulated`: this config on a machine standing in for it; `dry-run`: scripts only. */
  readonly mode: 'site' | 'simulated' | 'dry-run';
  readonly version: string;
  /** ISO date and time the run ended. */
  readonly date: string;
  readonly host: string;
  readonly checks: readonly CheckResult[];
  readonly ok: boolean;
}

class Skip extends Error {}

const MPI_HELLO_SOURCE = fileURLToPath(new URL('../../mpi-tests/mpi_hello.c', import.meta.url));

/**
 * `rank N of M` wherever it appears, with the host when its `on HOST` survived: MPICH interleaves ranks' output
 * mid-line, so a rank's host may be cut off by another rank's text.
 */
export function parseRanks(text: string): { rank: number; size: number; host: string | null }[] {
  return [...text.matchAll(/rank (\d+) of (\d+)(?: on ([^\s]+?)(?= |\n|$|rank \d))?/g)].map((m) => ({
    rank: Number(m[1]),
    size: Number(m[2]),
    host: m[3] ?? null,
  }));
}

/** Polls `ok` (a state, not a clock) until it holds; fails after `ms` naming `what`. */
async function until(ok: () => Promise<boolean>, what: string, ms: number, everyMs = 250): Promise<void> {
  // Inside the check's own timeout, so the message says what was awaited.
  const end = Date.now() + ms * 0.9;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Run {
  readonly site: Site;
  readonly options: SiteOptions;
  readonly config: Config;
  readonly context: SiteContext;
  readonly runDir: string;
  readonly timeoutMs: number;
}

function find<T extends Executor>(config: Config, cls: abstract new (...a: never[]) => T): T | undefined {
  return config.executors.find((e): e is T => e instanceof cls);
}

/** The task farm's label: the first executor that is neither the MPI executor nor ExtremeScale. */
function farm(config: Config): string {
  const e = config.executors.find((x) => !(x instanceof MPIExecutor) && !(x instanceof ExtremeScaleExecutor));
  return (e ?? (config.executors[0] as Executor)).label;
}

const CHECK_BODIES: Record<Exclude<CheckName, 'checkpoint-resume'>, (r: Run) => Promise<string>> = {
  async 'js-app'(r) {
    const double = app((x: number) => x * 2, { executors: [farm(r.config)] });
    const got = await double(21);
    if (got !== 42) throw new Error(`double(21) returned ${got}`);
    return 'double(21) = 42';
  },
  async 'bash-app'(r) {
    const stdout = join(r.runDir, 'site-suite', 'bash-app.out');
    const echo = bashApp(
      (word: string, _o: { stdout: string }) => `echo "site-suite ${word} on $(hostname)"`,
      {
        executors: [farm(r.config)],
      },
    );
    await echo('hello', { stdout });
    const text = await readFile(stdout, 'utf8');
    if (!text.startsWith('site-suite hello on ')) throw new Error(`stdout was ${JSON.stringify(text)}`);
    return text.trim();
  },
  async 'dependency-chain'(r) {
    const inc = app((x: number) => x + 1, { executors: [farm(r.config)] });
    let f = inc(0);
    for (let i = 1; i < 5; i++) f = inc(f);
    const got = await f;
    if (got !== 5) throw new Error(`a chain of 5 increments of 0 gave ${got}`);
    return 'inc(inc(inc(inc(inc(0))))) = 5';
  },
  async 'shared-fs'(r) {
    if (!r.site.facts.sharedFs) throw new Skip(`${r.site.facts.name} has no shared file system`);
    const dir = join(r.runDir, 'site-suite');
    await writeFile(join(dir, 'from-submit-side.txt'), 'written on the submit host\n');
    const copy = bashApp(
      (inp: string, o: { outputs: File[] }) => `cat ${inp} > ${o.outputs[0]} && hostname >> ${o.outputs[0]}`,
      {
        executors: [farm(r.config)],
      },
    );
    const out = new File(join(dir, 'from-worker.txt'));
    const f = copy(join(dir, 'from-submit-side.txt'), { outputs: [out] });
    await f.outputs[0];
    const text = await readFile(out.filepath, 'utf8');
    if (!text.startsWith('written on the submit host\n'))
      throw new Error(`worker's copy was ${JSON.stringify(text)}`);
    return `a worker on ${text.split('\n')[1]} read and wrote ${dir}`;
  },
  async 'mpi-hello'(r) {
    const ex = find(r.config, MPIExecutor);
    if (!ex) throw new Skip(`${r.site.facts.name}'s config has no MPIExecutor`);
    const exe = join(r.runDir, 'site-suite', 'mpi_hello');
    const cc = r.options.mpicc ?? r.site.facts.mpicc ?? 'mpicc';
    await promisify(execFile)(cc, ['-O1', '-o', exe, MPI_HELLO_SOURCE]).catch((e: Error) => {
      throw new Error(`building mpi_hello with ${cc} failed (set 'mpicc' in the options file): ${e.message}`);
    });
    await ex.scaling.scaleOut(1);
    const ranks = 2;
    const out = join(r.runDir, 'site-suite', 'mpi_hello.out');
    const hello = bashApp(
      (prog: string, file: string, _o: { resourceSpecification: Record<string, unknown> }) =>
        `$PARSL_MPI_PREFIX ${prog} site-suite > ${file} 2>&1`,
      { executors: [ex.label] },
    );
    await hello(exe, out, { resourceSpecification: { numNodes: 1, numRanks: ranks } })
      .result()
      .catch(async (e: Error) => {
        const said = await readFile(out, 'utf8').catch(() => '(no output)');
        throw new Error(`${e.message}; mpi_hello printed: ${said.trim().slice(-500)}`);
      });
    await ex.scaling.scaleIn(1); // give the block's nodes back before the next check asks for more
    const seen = parseRanks(await readFile(out, 'utf8'));
    const got = seen.map((s) => s.rank).sort((a, b) => a - b);
    if (got.join(',') !== '0,1' || seen.some((s) => s.size !== ranks))
      throw new Error(`expected ranks 0,1 of ${ranks}, saw ${JSON.stringify(seen)}`);
    const hosts = new Set(seen.flatMap((s) => (s.host === null ? [] : [s.host])));
    if (hosts.size !== 1) throw new Error(`one node was asked for, ranks ran on ${[...hosts].join(', ')}`);
    return `ranks 0..${ranks - 1} of ${ranks} on ${[...hosts][0]} through ${ex.options.mpiLauncher}`;
  },
  async 'extreme-scale'(r) {
    const ex = find(r.config, ExtremeScaleExecutor);
    if (!ex) throw new Skip(`${r.site.facts.name}'s config has no ExtremeScaleExecutor`);
    await ex.scaling.scaleOut(1);
    const rankOf = app(
      (i: number) => ({
        i,
        rank: Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMIX_RANK ?? process.env.PMI_RANK ?? -1),
      }),
      { executors: [ex.label] },
    );
    const outs = await Promise.all(Array.from({ length: 50 }, (_, i) => rankOf(i)));
    await ex.scaling.scaleIn(1);
    if (outs.some((o, i) => o.i !== i)) throw new Error('ExtremeScale results came back out of place');
    const ranks = [...new Set(outs.map((o) => o.rank))].sort((a, b) => a - b);
    if (ranks.includes(0)) throw new Error('rank 0 ran tasks; it must only dispatch');
    return `50 tasks on worker ranks ${ranks.join(',')} of ${ex.ranksPerBlock}`;
  },
  async 'scale-out-in'(r) {
    const ex = r.config.executors.find((e) => e.label === farm(r.config));
    if (!(ex instanceof HighThroughputExecutor)) throw new Skip('the task farm is not a block executor');
    // Blocks with a pool taking tasks: a block being scaled in has its pool held first.
    const active = async () =>
      new Set((await ex.connectedManagers()).filter((m) => m.active).map((m) => m.blockId));
    await until(async () => (await active()).size >= 1, 'the first block to connect', r.timeoutMs);
    const [added] = await ex.scaling.scaleOut(1);
    await until(async () => (await active()).has(added ?? ''), `block ${added} to connect`, r.timeoutMs);
    const [removed] = await ex.scaling.scaleIn(1);
    if (removed === undefined) throw new Error('scaleIn(1) removed no block');
    await until(async () => !(await active()).has(removed), `block ${removed}'s pool to stop`, r.timeoutMs);
    await until(
      async () => {
        await ex.scaling.pollStatus(true);
        return ex.scaling.statuses().get(removed)?.terminal === true;
      },
      `block ${removed}'s job to end`,
      r.timeoutMs,
    );
    const left = await active();
    if (left.size !== 1)
      throw new Error(`expected 1 block left, pools of ${[...left].join(', ')} are active`);
    return `scaled out to 2 blocks (added ${added}) and back in to 1 (removed ${removed})`;
  },
  async 'in-allocation'(r) {
    // A config of its own, never loaded: the job is submitted as a user would, not as a block of an executor.
    const job = inAllocationJob(r.site.facts, r.site.config(r.options, r.context));
    if (typeof job === 'string') throw new Skip(job);
    job.provider.scriptDir = join(r.runDir, 'site-suite', 'in-allocation');
    await mkdir(job.provider.scriptDir, { recursive: true });
    const id = await job.provider.submit(job.command, job.ranksPerNode, 'parsl-ts-in-allocation');
    let status: JobStatus | undefined;
    try {
      await until(
        async () => {
          status = (await job.provider.status([id]))[0];
          return status?.terminal === true;
        },
        `the in-allocation job ${id} to end`,
        r.timeoutMs,
        1000, // a scheduler query a second, as a user's script would poll
      );
    } finally {
      if (status?.terminal !== true) await job.provider.cancel([id]).catch(() => undefined);
    }
    const out = status?.stdoutPath ? await job.provider.channel.execute(`cat '${status.stdoutPath}'`) : null;
    const text = out?.stdout ?? '';
    if (status?.state === JobState.FAILED && !text)
      throw new Error(`job ${id} failed: ${status.message ?? ''}`);
    return `job ${id} through ${job.launcher}: ${checkInAllocationOutput(text, job.ranks)}`;
  },
};

/** Runs `checks` with the site's config; the checkpoint check loads the config a second time to resume. */
export async function runSiteSuite(
  site: Site,
  options: SiteOptions,
  context: SiteContext,
  opts: { checks?: readonly CheckName[]; mode?: SiteRun['mode']; timeoutMs?: number } = {},
): Promise<SiteRun> {
  const wanted = new Set(opts.checks ?? CHECKS);
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const results: CheckResult[] = [];
  const make = (kernel: SiteContext['kernel']) => {
    const config = site.config(options, { ...context, kernel: { strategy: 'none', ...kernel } });
    validateConfig(site.facts, config);
    return config;
  };
  const config = make({ checkpointMode: 'task_exit' });
  const runDir = resolve(config.runDir);
  await mkdir(join(runDir, 'site-suite'), { recursive: true });
  const dfk = await load(config);
  let stamp: number | null = null;
  try {
    for (const name of CHECKS) {
      if (!wanted.has(name) || name === 'checkpoint-resume') continue;
      results.push(
        await runCheck(
          name,
          () => CHECK_BODIES[name]({ site, options, config, context, runDir, timeoutMs }),
          timeoutMs,
        ),
      );
    }
    if (wanted.has('checkpoint-resume')) {
      const stampApp = app(() => Date.now() + Math.random(), { executors: [farm(config)], cache: true });
      stamp = await stampApp();
    }
  } finally {
    await dfk.cleanup();
    clear();
  }
  if (stamp !== null) {
    results.push(
      await runCheck(
        'checkpoint-resume',
        async () => {
          const files = getLastCheckpoint(runDir);
          const again = make({ checkpointFiles: files });
          const dfk2 = await load(again);
          try {
            const stampApp = app(() => Date.now() + Math.random(), { executors: [farm(again)], cache: true });
            const second = await stampApp();
            if (second !== stamp)
              throw new Error(`the resumed run computed ${second} again instead of ${stamp}`);
            return `a second kernel took the result from ${files[0]}`;
          } finally {
            await dfk2.cleanup();
            clear();
          }
        },
        timeoutMs,
      ),
    );
  }
  return {
    site: site.facts.name,
    mode: opts.mode ?? 'site',
    version: PACKAGE_VERSION,
    date: new Date().toISOString(),
    host: hostname(),
    checks: results,
    ok: results.every((c) => c.status !== 'fail'),
  };
}

async function runCheck(
  name: CheckName,
  body: () => Promise<string>,
  timeoutMs: number,
): Promise<CheckResult> {
  const t0 = performance.now();
  const seconds = () => Math.round(performance.now() - t0) / 1000;
  try {
    const detail = await withTimeout(body(), timeoutMs, name);
    return { name, status: 'pass', detail, seconds: seconds() };
  } catch (e) {
    if (e instanceof Skip) return { name, status: 'skip', detail: e.message, seconds: 0 };
    return { name, status: 'fail', detail: (e as Error).message, seconds: seconds() };
  }
}
