import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState, LocalProvider, SimpleLauncher, SingleNodeLauncher } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { TERMINAL_STATES } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { isAlive } from '../helpers/processes.js';

async function untilTerminal(p: LocalProvider, id: string) {
  return eventually(
    async () => {
      const [s] = await p.status([id]);
      return s?.terminal ? s : undefined;
    },
    { what: `job ${id} to end` },
  );
}

describe('LocalProvider', () => {
  test('defaults match Parsl (init 1, min 0, max 1, 5 s polling) and are overridable', () => {
    const p = new LocalProvider({ launcher: new SimpleLauncher(), initBlocks: 2, maxBlocks: 4 });
    expect([p.initBlocks, p.minBlocks, p.maxBlocks, p.nodesPerBlock, p.parallelism]).toEqual([2, 0, 4, 1, 1]);
    expect(p.statusPollingInterval).toBe(5000);
  });

  test('a block runs workerInit and the launcher-wrapped command; exit 0 → COMPLETED with stdout path', async () => {
    const scriptDir = tempDir('local').path;
    const p = new LocalProvider({
      scriptDir,
      launcher: new SingleNodeLauncher(),
      workerInit: 'export GREETING=hi',
    });
    const id = await p.submit('echo "$GREETING from $1 of $JOBNAME"', 2, 'block-0');
    expect(id).toMatch(/^\d+$/);
    const s = await untilTerminal(p, id);
    expect(s.state).toBe(JobState.COMPLETED);
    expect(s.exitCode).toBe(0);
    const out = await readFile(s.stdoutPath as string, 'utf8');
    expect(out).toContain('hi from 1 of block-0');
    expect(out).toContain('hi from 2 of block-0');
  });

  test('a non-zero exit → FAILED with the exit code', async () => {
    const p = new LocalProvider({ scriptDir: tempDir('local').path, launcher: new SimpleLauncher() });
    const s = await untilTerminal(p, await p.submit('exit 7', 1, 'block-1'));
    expect(s.state).toBe(JobState.FAILED);
    expect(s.exitCode).toBe(7);
  });

  test('cancel kills the whole process group (children too) → CANCELLED', async () => {
    const dir = tempDir('local').path;
    const p = new LocalProvider({ scriptDir: dir, launcher: new SimpleLauncher() });
    const id = await p.submit(`sleep 60 & echo $! > ${dir}/child; wait`, 1, 'block-2');
    expect((await p.status([id]))[0]!.state).toBe(JobState.RUNNING);
    const child = Number(
      await eventually(() => readFile(join(dir, 'child'), 'utf8'), { what: 'the child pid' }),
    );
    expect(await p.cancel([id])).toEqual([true]);
    expect((await p.status([id]))[0]!.state).toBe(JobState.CANCELLED);
    await eventually(() => !isAlive(child), { what: 'the child sleep to die' });
  });

  test('a block killed from outside is CANCELLED (gone without exit code); unknown ids are UNKNOWN', async () => {
    const p = new LocalProvider({ scriptDir: tempDir('local').path, launcher: new SimpleLauncher() });
    const id = await p.submit('sleep 60', 1, 'block-3');
    process.kill(-Number(id), 'SIGKILL');
    const s = await untilTerminal(p, id);
    expect(s.state).toBe(JobState.CANCELLED);
    const [u] = await p.status(['999999']);
    expect(u!.state).toBe(JobState.UNKNOWN);
    expect(TERMINAL_STATES.has(JobState.SCALED_IN)).toBe(true);
  });
});
