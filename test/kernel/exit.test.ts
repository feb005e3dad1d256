// How a process that loaded a kernel ends: by itself once its work is settled (no cleanup() call), on SIGINT or
// SIGTERM, on an uncaught error. Each case is a real child process; the test waits on its output and its exit.
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readCheckpoint } from '#internal';
import { PACKAGE_ENTRY, runScript } from '../helpers/child-script.js';
import { freshRunDir } from '../helpers/executors.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';

let marker = '';
afterEach(() => {
  if (marker !== '') killAll(marker);
  marker = '';
});

/** A fresh run directory; every process of the run carries it in its command line. */
function fresh(name: string): string {
  const { runDir } = freshRunDir(name);
  marker = runDir;
  return runDir;
}

const threads = (runDir: string) =>
  `new parsl.Config({ runDir: ${JSON.stringify(join(runDir, 'runinfo'))}, checkpointMode: 'dfk_exit' })`;

const htex = (runDir: string) => `new parsl.Config({
  runDir: ${JSON.stringify(join(runDir, 'runinfo'))}, checkpointMode: 'dfk_exit', strategy: 'none',
  executors: [new parsl.HighThroughputExecutor({ address: '127.0.0.1', maxWorkersPerNode: 1,
    provider: new parsl.LocalProvider({ initBlocks: 1, statusPollingInterval: 200 }) })],
})`;

/** Three cached tasks finished and awaited, then `rest`. */
const workflow = (config: string, rest: string) => `
  import * as parsl from ${PACKAGE_ENTRY};
  await parsl.load(${config});
  const sq = parsl.app((x) => x * x, { cache: true });
  console.log('sum', (await Promise.all([1, 2, 3].map((x) => sq(x)))).reduce((a, b) => a + b));
  ${rest}
`;

async function checkpointed(runDir: string): Promise<unknown[]> {
  const records = await readCheckpoint(join(runDir, 'runinfo', '000', 'checkpoint'));
  return records.map((r) => r.value).sort();
}

describe('a script that never calls cleanup', () => {
  test.each([
    ['plain node', false],
    ['parsl-ts run', true],
  ])(
    'exits by itself after its un-awaited tasks finish, with the dfk_exit checkpoint written (%s)',
    async (_, viaCli) => {
      const runDir = fresh('exit-self');
      const child = runScript(
        runDir,
        'flow.mjs',
        workflow(threads(runDir), "sq(4).then((v) => console.log('late', v));"),
        viaCli,
      );
      const exit = await child.exit();
      expect(child.stderr).toBe('');
      expect(child.stdout).toContain('sum 14');
      expect(child.stdout).toContain('late 16');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await checkpointed(runDir)).toEqual([1, 16, 4, 9]);
    },
  );

  test('on HTEX with a local block: exits, and no interchange, pool or worker is left', async () => {
    const runDir = fresh('exit-htex');
    const child = runScript(runDir, 'flow.mjs', workflow(htex(runDir), ''));
    const exit = await child.exit(60_000);
    expect(child.stdout, child.output()).toContain('sum 14');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await checkpointed(runDir)).toEqual([1, 4, 9]);
    await expectNoProcessLeft(runDir);
  });
});

/**
 * After the three tasks, a task that never ends on its own, so the script waits on it: a bash sleep whose shell
 * carries the run directory in its command line, so a leftover is found.
 */
const stuck = (runDir: string) => `
  const hang = parsl.bashApp(() => ${JSON.stringify(`sleep 600; echo ${runDir}`)});
  const h = hang();
  console.log('READY');
  await h;
`;

describe('signals and uncaught errors run cleanup, then exit with the conventional code', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s on the thread pool: results checkpointed, the bash task killed, exit %i',
    async (sig, code) => {
      const runDir = fresh('exit-signal');
      const child = runScript(runDir, 'flow.mjs', workflow(threads(runDir), stuck(runDir)));
      await child.printed('READY');
      child.signal(sig);
      const exit = await child.exit();
      expect(exit, child.output()).toEqual({ code, signal: null });
      expect(child.stderr).toContain(`${sig}: cleaning up`);
      expect(await checkpointed(runDir)).toEqual([1, 4, 9]);
      await expectNoProcessLeft(runDir);
    },
  );

  test('SIGINT under parsl-ts run on HTEX: checkpointed, block cancelled, exit 130', async () => {
    const runDir = fresh('exit-signal-htex');
    const child = runScript(runDir, 'flow.mjs', workflow(htex(runDir), stuck(runDir)), true);
    await child.printed('READY', 60_000);
    child.signal('SIGINT');
    const exit = await child.exit(60_000);
    expect(exit, child.output()).toEqual({ code: 130, signal: null });
    expect(await checkpointed(runDir)).toEqual([1, 4, 9]);
    await expectNoProcessLeft(runDir);
  });

  test.each([
    ['an uncaught exception', "setImmediate(() => { throw new Error('boom in a callback'); });"],
    ['an unhandled rejection', "Promise.reject(new Error('boom in a promise'));"],
  ])('%s: printed, cleaned up, exit 1', async (_, raise) => {
    const runDir = fresh('exit-uncaught');
    expectLogErrors(runDir, /(uncaught exception|unhandled rejection): boom in a/);
    const child = runScript(runDir, 'flow.mjs', workflow(threads(runDir), `${raise}\n${stuck(runDir)}`));
    const exit = await child.exit();
    expect(exit, child.output()).toEqual({ code: 1, signal: null });
    expect(child.stderr).toMatch(/boom in a (callback|promise)/);
    expect(child.stderr).toContain('cleaning up the DataFlowKernel');
    expect(await checkpointed(runDir)).toEqual([1, 4, 9]);
    await expectNoProcessLeft(runDir);
  });

  test('a second Ctrl-C exits at once while cleanup is still running', async () => {
    const runDir = fresh('exit-twice');
    // An executor whose shutdown never finishes: cleanup cannot complete, only the second SIGINT ends the run.
    const stubborn = `{ label: 'stubborn', start: async () => {}, outstanding: () => 0, submit: () => {},
      shutdown: () => { console.log('SHUTTING DOWN'); return new Promise(() => {}); } }`;
    const child = runScript(
      runDir,
      'flow.mjs',
      `import * as parsl from ${PACKAGE_ENTRY};
       await parsl.load(new parsl.Config({ runDir: ${JSON.stringify(join(runDir, 'runinfo'))},
         executors: [${stubborn}] }));
       console.log('READY');
       setInterval(() => {}, 1000);`,
    );
    await child.printed('READY');
    child.signal('SIGINT');
    await child.printed('SHUTTING DOWN');
    child.signal('SIGINT');
    const exit = await child.exit();
    expect(exit, child.output()).toEqual({ code: 130, signal: null });
    expect(child.stderr).toContain('SIGINT again: exiting without waiting for cleanup');
  });
});
