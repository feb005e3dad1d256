import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getAllCheckpoints } from 'parsl-ts';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { readCheckpoint } from '#internal';
import { tempDir } from '../helpers/paths.js';

const WORKFLOW = fileURLToPath(new URL('./fixtures/crash-workflow.mjs', import.meta.url));
const TASKS = 400;
const KILL_AFTER = 60;

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('crash');
});
afterEach(() => dir.remove());

/** Run the workflow and SIGKILL it once it has reported `killAfter` completed tasks; returns their ids. */
function runAndKill(
  runDir: string,
  markers: string,
  killAfter: number,
): Promise<{ seen: number[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKFLOW, 'run', runDir, markers, String(TASKS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const seen: number[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^done (\d+)$/.exec(line);
        if (m) seen.push(Number(m[1]));
      }
      if (seen.length >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ seen, signal }));
  });
}

const runs = (markers: string) =>
  new Map(readdirSync(markers).map((n) => [Number(n), readFileSync(join(markers, n), 'utf8').length]));

test('a workflow killed with SIGKILL mid-run resumes: no task seen complete runs again; the result is right', async () => {
  const runDir = join(dir.path, 'runinfo');
  const markers = join(dir.path, 'markers');
  mkdirSync(markers);

  const { seen, signal } = await runAndKill(runDir, markers, KILL_AFTER);
  expect(signal).toBe('SIGKILL');
  expect(seen.length).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(seen.length).toBeLessThan(TASKS); // it really died part-way
  const [killedCheckpoint] = getAllCheckpoints(runDir);
  const saved = new Set((await readCheckpoint(killedCheckpoint!)).map((r) => (r.value as { i: number }).i));
  for (const i of seen) expect(saved.has(i)).toBe(true);

  // Resume in a fresh process: a checkpoint mode and no checkpointFiles finds the killed run's checkpoint.
  const { stdout } = await promisify(execFile)(process.execPath, [
    WORKFLOW,
    'resume',
    runDir,
    markers,
    String(TASKS),
  ]);
  const summary = JSON.parse(stdout.trim()) as { sum: number; states: Record<string, number> };

  let expected = 0;
  for (let i = 0; i < TASKS; i++) expected += i * i;
  expect(summary.sum).toBe(expected);
  expect(summary.states.memo_done).toBeGreaterThanOrEqual(seen.length);
  expect((summary.states.memo_done ?? 0) + (summary.states.exec_done ?? 0)).toBe(TASKS);

  const counts = runs(markers);
  for (const i of seen) expect(counts.get(i), `task ${i} ran again after the crash`).toBe(1);
  for (let i = 0; i < TASKS; i++) expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(1);
  // Only tasks that were running (not yet recorded) when the process died may have run twice.
  const twice = [...counts.values()].filter((n) => n > 1).length;
  expect(twice).toBeLessThanOrEqual(TASKS - summary.states.memo_done!);
}, 60_000);
