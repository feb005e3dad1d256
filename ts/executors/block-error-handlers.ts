import { readFileSync, statSync } from 'node:fs';
import { JobState, type JobStatus } from '../providers/base.js';
import { TooManyJobFailures } from './errors.js';

/**
 * Block error handlers (Parsl's `simple_error_handler` / `windowed_error_handler`): pure functions of the
 * block statuses that return the error to put the executor in a bad state with, or `null`.
 */

const failed = (s: JobStatus) => s.state === JobState.FAILED || s.state === JobState.MISSING;

/** Every block (and at least `max(1, initBlocks)` of them) failed. */
export function simpleErrorHandler(
  label: string,
  statuses: ReadonlyMap<string, JobStatus>,
  initBlocks: number,
): Error | null {
  const all = [...statuses.values()];
  if (all.length < Math.max(1, initBlocks) || !all.every(failed)) return null;
  return new TooManyJobFailures(label, summarize(statuses));
}

/** The last `size` blocks (by block id order) all failed. */
export function windowedErrorHandler(
  label: string,
  statuses: ReadonlyMap<string, JobStatus>,
  size = 3,
): Error | null {
  const last = [...statuses.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).slice(-size);
  if (last.length < size || !last.every(([, s]) => failed(s))) return null;
  return new TooManyJobFailures(label, summarize(new Map(last)));
}

const HEAD_TAIL = 1024;

function summarize(statuses: ReadonlyMap<string, JobStatus>): string {
  const parts: string[] = [];
  for (const [block, s] of statuses) {
    parts.push(
      `block ${block}: ${JobState[s.state]}${s.message ? ` (${s.message})` : ''}${s.exitCode === null ? '' : `, exit code ${s.exitCode}`}`,
    );
    for (const [name, path] of [
      ['stdout', s.stdoutPath],
      ['stderr', s.stderrPath],
    ] as const) {
      const text = readHeadTail(path);
      if (text) parts.push(`  ${name} (${path}):\n${text.replace(/^/gm, '    ')}`);
    }
  }
  return parts.join('\n');
}

function readHeadTail(path: string | null): string | null {
  if (!path) return null;
  try {
    if (statSync(path).size === 0) return null;
    const t = readFileSync(path, 'utf8');
    return t.length <= 2 * HEAD_TAIL
      ? t.trimEnd()
      : `${t.slice(0, HEAD_TAIL)}\n…\n${t.slice(-HEAD_TAIL).trimEnd()}`;
  } catch {
    return null;
  }
}
