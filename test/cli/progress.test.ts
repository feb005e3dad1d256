import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as parsl from 'parsl-ts';
import { afterEach, expect, test } from 'vitest';
import { ProgressTally, UNASSIGNED } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';
import { skipOrFail } from '../helpers/skip.js';
import { Terminal, terminalMissing } from '../helpers/terminal.js';

const CLI = resolve('dist/cli/main.js');

// Three tasks wait for a gate file the test creates, so the display is seen mid-run; one task fails.
function writeFlow(dir: string): string {
  const script = join(dir, 'flow.mjs');
  writeFileSync(
    script,
    `import * as parsl from ${JSON.stringify(resolve('dist/index.js'))};
     await parsl.load(new parsl.Config({ executors: [new parsl.ThreadPoolExecutor({ label: 'pool', maxThreads: 3 })] }));
     const gated = parsl.app(async (gate) => {
       const { existsSync } = await import('node:fs');
       while (!existsSync(gate)) await new Promise((r) => setTimeout(r, 20));
       return 1;
     });
     const boom = parsl.app(() => { throw new Error('boom'); });
     console.log('workflow started');
     boom();
     const gate = process.argv[2];
     const n = (await Promise.all([gated(gate), gated(gate), gated(gate)])).length;
     console.log('workflow finished ' + n);`,
  );
  return script;
}

const dirs: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function scratch() {
  const d = tempDir('progress');
  dirs.push(d);
  return { dir: d.path, script: writeFlow(d.path), gate: join(d.path, 'gate') };
}

function runPiped(args: string[], cwd: string) {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { out, exit };
}

test('the tally follows tasks from waiting to their executor and final state', async () => {
  const dfk = await parsl.load(
    new parsl.Config({
      executors: [new parsl.InProcessExecutor({ label: 'a' }), new parsl.InProcessExecutor({ label: 'b' })],
    }),
  );
  const tally = new ProgressTally();
  dfk.watchTasks(tally);
  try {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const onA = parsl.app(async () => gate, { executors: ['a'] });
    const onB = parsl.app((x: number) => x, { executors: ['b'] });
    const waiting = onA();
    const after = onB(waiting); // waits for its dependency: no executor yet
    const failing = parsl.app(
      (): number => {
        throw new Error('no');
      },
      { executors: ['b'] },
    );
    await failing().exception();
    expect(tally.pending).toBe(1);
    expect(tally.byExecutor()).toEqual(
      new Map([
        ['a', new Map([[parsl.TaskState.launched, 1]])],
        ['b', new Map([[parsl.TaskState.failed, 1]])],
      ]),
    );
    open();
    await after;
    // Its dependency fails on b (b's second failure), so it never gets an executor: dep_fail.
    const skipped = parsl.app((x: number) => x, { executors: ['b'] })(failing());
    await skipped.exception();
    expect(tally.pending).toBe(0);
    expect(tally.byExecutor()).toEqual(
      new Map([
        ['a', new Map([[parsl.TaskState.exec_done, 1]])],
        [
          'b',
          new Map([
            [parsl.TaskState.exec_done, 1],
            [parsl.TaskState.failed, 2],
          ]),
        ],
        [UNASSIGNED, new Map([[parsl.TaskState.dep_fail, 1]])],
      ]),
    );
    expect([tally.submitted, tally.finished, tally.failed]).toEqual([5, 5, 3]);
  } finally {
    await dfk.cleanup();
  }
});

test('run prints a progress line per interval to a pipe, and a last one; stdout keeps only the workflow output', async () => {
  const s = scratch();
  const { out, exit } = runPiped(['--progress-interval', '0.1', s.script, s.gate], s.dir);
  await eventually(() => /\| pool: launched 3, failed 1/.test(out.stderr), {
    what: 'a progress line with three tasks launched and one failed',
  });
  writeFileSync(s.gate, '');
  expect(await exit).toBe(0);
  const lines = out.stderr.trimEnd().split('\n');
  expect(lines.every((l) => l.startsWith('parsl-ts progress '))).toBe(true);
  expect(lines.at(-1)).toMatch(
    / 4 tasks, 4 finished \(1 failed\), [\d.]+ tasks\/s \| pool: exec_done 3, failed 1$/,
  );
  expect(out.stdout).toBe('workflow started\nworkflow finished 3\n');
});

test('run --no-progress prints no progress', async () => {
  const s = scratch();
  writeFileSync(s.gate, '');
  const { out, exit } = runPiped(['--no-progress', '--progress-interval', '0.05', s.script, s.gate], s.dir);
  expect(await exit).toBe(0);
  expect(out.stderr).toBe('');
  expect(out.stdout).toBe('workflow started\nworkflow finished 3\n');
});

test('run rejects a bad --progress-interval naming the option', async () => {
  const s = scratch();
  const { out, exit } = runPiped(['--progress-interval', 'soon', s.script, s.gate], s.dir);
  expect(await exit).not.toBe(0);
  expect(out.stderr).toContain("--progress-interval must be a positive number of seconds, got 'soon'");
});

test('on a terminal the display is redrawn in place below the workflow output', async (ctx) => {
  skipOrFail(ctx, terminalMissing());
  const s = scratch();
  const term = new Terminal(s.dir);
  try {
    term.type(`${process.execPath} ${CLI} run --progress-interval 0.1 flow.mjs gate; echo "exit status $?"`);
    const running = await eventually(
      () => {
        const screen = term.screen();
        return /^ {2}pool {2}launched 3 {2}failed 1$/m.test(screen) && screen;
      },
      { what: 'the live frame with three tasks launched and one failed' },
    );
    expect(running.match(/^parsl-ts {2}\d\d:\d\d {2}/gm)).toHaveLength(1);
    writeFileSync(s.gate, '');
    const end = await eventually(
      () => {
        const screen = term.screen();
        return /^exit status 0$/m.test(screen) && screen;
      },
      { what: 'the run to end' },
    );
    // One frame, redrawn: the output printed while it showed sits above it, nothing is left of older frames.
    // From the workflow's first line to the shell's report (the shell's next prompt may follow).
    const tail = end.slice(
      end.indexOf('workflow started'),
      end.indexOf('exit status 0') + 'exit status 0'.length,
    );
    expect(tail).toMatch(
      /^workflow started\nworkflow finished 3\nparsl-ts {2}\d\d:\d\d {2}4 tasks, 4 finished \(1 failed\), [\d.]+ tasks\/s\n {2}pool {2}exec_done 3 {2}failed 1\nexit status 0$/,
    );
    expect(end).not.toContain('\u001b');
  } finally {
    term.close();
  }
});
