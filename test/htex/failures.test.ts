import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagerLost, WorkerLost } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorOf, freshRunDir, jsTask, run } from '../helpers/executors.js';
import { FAST_HEARTBEATS, type Started, startHtex } from '../helpers/htex.js';
import { expectNoProcessLeft, killAll, processesWith } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';

/** A task that records its worker's pid and its pool's pid in `file`, then sleeps. */
function pidsThenSleep(file: string, ms: number) {
  const fs = require('node:fs');
  fs.writeFileSync(file, `${process.pid} ${process.ppid}`);
  return new Promise((r) => setTimeout(() => r('slept'), ms));
}

async function startedPids(file: string): Promise<{ worker: number; pool: number }> {
  const text = await eventually(() => readFileSync(file, 'utf8'), { what: `${file} written by the task` });
  const [worker, pool] = text.split(' ').map(Number);
  return { worker: worker!, pool: pool! };
}

describe('HighThroughputExecutor failure handling', () => {
  let s: Started | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  test('kill -9 of a worker fails only its task with WorkerLost; the pool replaces it and a retry completes', async () => {
    s = await startHtex('workerlost', { ...FAST_HEARTBEATS });
    const file = join(s.runDir, 'pids');
    const victim = run(s.ex, jsTask(pidsThenSleep, [file, 60_000]));
    const { worker } = await startedPids(file);
    const bystanders = Array.from({ length: 20 }, (_, i) =>
      run(
        s!.ex,
        jsTask((x: number) => x + 1, [i]),
      ),
    );
    process.kill(worker, 'SIGKILL');
    const err = errorOf(await victim);
    expect(err).toBeInstanceOf(WorkerLost);
    expect(err.message).toMatch(/SIGKILL/);
    expect((await Promise.all(bystanders)).map((o) => o.ok && o.value)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // The retry (the kernel would resubmit the same task) runs on the replacement worker.
    const retry = await run(s.ex, jsTask(pidsThenSleep, [file, 10]));
    expect(retry).toEqual({ ok: true, value: 'slept' });
    await eventually(
      () =>
        processesWith(`worker.js --pool-id`).filter((p) => processesWith(s!.marker).includes(p)).length === 2,
      {
        what: 'two workers again',
      },
    );
  });

  test('a stopped worker (SIGSTOP) is found by its pool: its task fails with WorkerLost, a new worker serves on', async () => {
    s = await startHtex('workerstopped', { ...FAST_HEARTBEATS });
    const file = join(s.runDir, 'pids');
    const victim = run(s.ex, jsTask(pidsThenSleep, [file, 60_000]));
    const { worker } = await startedPids(file);
    process.kill(worker, 'SIGSTOP');
    const err = errorOf(await victim);
    expect(err).toBeInstanceOf(WorkerLost);
    expect(err.message).toMatch(/stopped \(SIGSTOP or frozen\) for \d+ ms/);
    expect(processesWith(s.marker)).not.toContain(worker);
    const after = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        run(
          s!.ex,
          jsTask((x: number) => x + 1, [i]),
        ),
      ),
    );
    expect(after.map((o) => o.ok && o.value)).toEqual([1, 2, 3, 4]);
  });

  test('kill -9 of a pool fails its tasks with ManagerLost, and its workers exit', async () => {
    s = await startHtex('managerlost', { ...FAST_HEARTBEATS });
    expectLogErrors(s.runDir, /is lost: no heartbeat for \d+ ms/);
    const file = join(s.runDir, 'pids');
    const victim = run(s.ex, jsTask(pidsThenSleep, [file, 60_000]));
    const { worker, pool } = await startedPids(file);
    process.kill(pool, 'SIGKILL');
    const err = errorOf(await victim);
    expect(err).toBeInstanceOf(ManagerLost);
    await eventually(() => !processesWith(s!.marker).includes(worker), {
      what: 'the orphaned worker to exit',
    });
    expect(await s.ex.connectedManagers()).toEqual([]);
  });

  test('killing the interchange fails outstanding and later tasks fast, and the pools exit', async () => {
    s = await startHtex('ixlost', { ...FAST_HEARTBEATS });
    const file = join(s.runDir, 'pids');
    const victim = run(s.ex, jsTask(pidsThenSleep, [file, 60_000]));
    const { pool } = await startedPids(file);
    const [ix] = processesWith(`interchange --log-file ${s.runDir}`);
    expect(ix).toBeDefined();
    const t0 = Date.now();
    process.kill(ix!, 'SIGKILL');
    const err = errorOf(await victim);
    expect(err.message).toMatch(/interchange process exited unexpectedly/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(
      errorOf(
        await run(
          s.ex,
          jsTask(() => 1),
        ),
      ).message,
    ).toMatch(/interchange/);
    expect(s.ex.badState()).not.toBeNull();
    // Pools notice the silence and leave on their own (before the executor even shuts down).
    await eventually(() => !processesWith(s!.marker).includes(pool), { what: 'the pool to exit' });
  });

  test("kill -9 of the executor's own process leaves no interchange, pool or worker behind", async () => {
    const { runDir, marker } = freshRunDir('doomed');
    try {
      const user = spawn(
        process.execPath,
        [join(import.meta.dirname, 'fixtures', 'doomed-executor.mjs'), runDir],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        user.stdout!.on('data', (d: Buffer) => d.toString().includes('running') && resolve());
        user.once('exit', (code) => reject(new Error(`the executor process exited first (${code})`)));
      });
      // Interchange, pool and a worker running a 10-minute task.
      expect(processesWith(marker).length).toBeGreaterThanOrEqual(3);
      user.kill('SIGKILL');
      // The interchange sees its pipe close and stops the pool, which kills its worker: well before any heartbeat
      // threshold (the default is 120 s).
      await expectNoProcessLeft(marker);
    } finally {
      killAll(marker);
    }
  });
});
