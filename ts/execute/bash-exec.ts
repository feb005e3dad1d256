import { spawn } from 'node:child_process';
import { access, type FileHandle, mkdir, open } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AppBadFormatting,
  BadStdStreamFile,
  BashAppNoReturn,
  BashExitFailure,
  MissingOutputs,
} from './errors.js';
import type { BashOptions, StdStream } from './task-wire.js';
import { appTimeout, callWithin } from './walltime.js';

/** Process groups of bash apps running in this thread, so a worker can kill them when it is stopped. */
const runningGroups = new Set<number>();

/** SIGKILL every bash app process group this thread started and that is still running (worker shutdown). */
export function killRunningBashApps(): void {
  for (const pgid of runningGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  runningGroups.clear();
}

/**
 * Run a bash app on a worker: call its function for the command line, run it with /bin/bash in its own
 * process group (so a walltime kill leaves nothing running), check the exit code and the outputs. The
 * walltime bounds the function and the command together.
 */
export async function runBashApp(
  appName: string,
  // biome-ignore lint/complexity/noBannedTypes: the user's command-building function
  fn: Function,
  args: unknown[],
  opts: BashOptions,
  walltimeMs: number | null,
): Promise<number> {
  const t0 = performance.now();
  const cmd = await formatCommand(appName, fn, args, walltimeMs);
  const { out, err, close } = await openStreams(opts.stdout, opts.stderr);
  try {
    if (err) await err.write(`--> executable follows <--\n${cmd}\n--> end executable <--\n`);
    const limit = walltimeMs === null ? null : { walltimeMs, leftMs: walltimeMs - (performance.now() - t0) };
    const code = await runInGroup(appName, cmd, out?.fd ?? 'inherit', err?.fd ?? 'inherit', limit);
    if (code !== 0) throw new BashExitFailure(appName, code);
  } finally {
    await close();
  }
  const missing: string[] = [];
  for (const p of opts.outputs) {
    try {
      await access(p);
    } catch {
      missing.push(p);
    }
  }
  if (missing.length > 0) throw new MissingOutputs(`bash_app ${appName} did not create its outputs`, missing);
  return 0;
}

async function formatCommand(
  appName: string,
  // biome-ignore lint/complexity/noBannedTypes: the user's command-building function
  fn: Function,
  args: unknown[],
  walltimeMs: number | null,
): Promise<string> {
  let cmd: unknown;
  try {
    cmd = await (walltimeMs === null ? fn(...args) : callWithin(appName, walltimeMs, fn, args));
  } catch (e) {
    // A TypeError here is a formatting mistake (reading a field of undefined, a missing keyword, …).
    if (e instanceof TypeError || e instanceof RangeError) {
      throw new AppBadFormatting(`bash_app ${appName} could not format its command: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
  if (cmd === undefined || cmd === null) {
    throw new BashAppNoReturn(
      `bash_app ${appName} returned ${cmd}: its function must return the command line to run`,
    );
  }
  if (typeof cmd !== 'string') {
    throw new AppBadFormatting(`bash_app ${appName} must return a string command line, got ${typeof cmd}`);
  }
  return cmd;
}

async function openStreams(
  stdout: StdStream | null,
  stderr: StdStream | null,
): Promise<{ out: FileHandle | null; err: FileHandle | null; close: () => Promise<void> }> {
  const out = stdout ? await openStream(stdout, 'stdout') : null;
  const err = stderr
    ? stdout && stdout.path === stderr.path && out
      ? out
      : await openStream(stderr, 'stderr').catch(async (e) => {
          await out?.close();
          throw e;
        })
    : null;
  return {
    out,
    err,
    close: async () => {
      await out?.close();
      if (err && err !== out) await err.close();
    },
  };
}

async function openStream(s: StdStream, which: string): Promise<FileHandle> {
  try {
    await mkdir(dirname(s.path), { recursive: true });
    return await open(s.path, s.mode);
  } catch (e) {
    throw new BadStdStreamFile(`cannot open ${which} file ${s.path}: ${(e as Error).message}`, { cause: e });
  }
}

function runInGroup(
  appName: string,
  cmd: string,
  out: number | 'inherit',
  err: number | 'inherit',
  limit: { readonly walltimeMs: number; readonly leftMs: number } | null,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', cmd], { stdio: ['ignore', out, err], detached: true });
    const pgid = child.pid;
    if (pgid !== undefined) runningGroups.add(pgid);
    let timedOut = false;
    const timer =
      limit === null
        ? null
        : setTimeout(
            () => {
              timedOut = true;
              try {
                process.kill(-(child.pid as number), 'SIGKILL');
              } catch {
                child.kill('SIGKILL');
              }
            },
            Math.max(0, limit.leftMs),
          );
    child.once('error', (e) => {
      if (pgid !== undefined) runningGroups.delete(pgid);
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      if (pgid !== undefined) runningGroups.delete(pgid);
      if (timer) clearTimeout(timer);
      if (timedOut && limit !== null) {
        reject(appTimeout(appName, limit.walltimeMs));
        return;
      }
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}
