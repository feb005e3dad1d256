/**
 * Where the package listens: the interchange's worker port is the only listening socket of a run (the executor
 * talks to its interchange over a pipe, pools and workers only connect), bound where `address` says; an
 * unencrypted interchange that others can reach logs one WARNING.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as parsl from 'parsl-ts';
import { HighThroughputExecutor, LocalProvider, SimpleLauncher, setStreamLogger } from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { isLoopbackAddress } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { jsTask, run } from '../helpers/executors.js';
import { type Started, startHtex } from '../helpers/htex.js';
import { tempDir } from '../helpers/paths.js';
import { commandOf, expectNoProcessLeft, processesWith } from '../helpers/processes.js';
import { listeningSockets } from '../helpers/sockets.js';

const EXPOSED = /WARNING: the interchange listens unencrypted \(encrypted: false\)/;

/** Lines the `parsl.htex` loggers write while `body` runs. */
async function htexLog(body: () => Promise<void>): Promise<string> {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const handle = setStreamLogger({ name: 'parsl.htex', level: 'info', stream: sink });
  try {
    await body();
  } finally {
    await handle.close();
  }
  return text;
}

/** Every listening socket of this process and of the run's processes, with the interchange's pid. */
function listenersOfRun(marker: string) {
  const pids = processesWith(marker);
  const interchange = pids.filter((p) => / interchange /.test(`${commandOf(p)} `));
  expect(interchange).toHaveLength(1);
  return { interchange: interchange[0]!, sockets: listeningSockets([process.pid, ...pids]) };
}

describe('listening sockets of a run', () => {
  let s: Started | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  test.each([
    ['encrypted', true],
    ['unencrypted', false],
  ] as const)(
    '%s, address 127.0.0.1: only the worker port, on loopback, and no warning',
    async (_, encrypted) => {
      const log = await htexLog(async () => {
        s = await startHtex(`listen-${encrypted}`, { blocks: 1, encrypted });
        await eventually(async () => (await s!.ex.connectedManagers()).length === 1, { what: 'the pool' });
        const o = await run(
          s.ex,
          jsTask((x: number) => x + 1, [1]),
        );
        expect(o.ok && o.value).toBe(2);
      });
      const { interchange, sockets } = listenersOfRun(s!.marker);
      expect(sockets).toEqual([
        { address: '::ffff:127.0.0.1', port: s!.ex.interchangePorts!.workerPort, pid: interchange },
      ]);
      expect(log).toContain(`started: worker port ${s!.ex.interchangePorts!.workerPort}`);
      expect(log).not.toMatch(EXPOSED);
    },
  );
});

describe('an unencrypted interchange on every interface', () => {
  test('listens on the wildcard address and says so once in parsl.log', async () => {
    const dir = tempDir('exposed');
    const runDir = join(dir.path, 'runinfo');
    const dfk = await parsl.load(
      new parsl.Config({
        runDir,
        executors: [
          new HighThroughputExecutor({
            label: 'htex',
            encrypted: false,
            address: null,
            maxWorkersPerNode: 1,
            provider: new LocalProvider({ launcher: new SimpleLauncher(), initBlocks: 1 }),
          }),
        ],
      }),
    );
    const marker = dfk.runDir;
    try {
      const inc = parsl.app((x: number) => x + 1);
      expect(await Promise.all([inc(1), inc(2)])).toEqual([2, 3]);
      const { interchange, sockets } = listenersOfRun(marker);
      expect(sockets).toHaveLength(1);
      expect(sockets[0]!.pid).toBe(interchange);
      expect(isLoopbackAddress(sockets[0]!.address)).toBe(false);
      expect(['*', '::', '0.0.0.0']).toContain(sockets[0]!.address);
    } finally {
      await dfk.cleanup();
      parsl.clear();
    }
    await expectNoProcessLeft(marker);
    const lines = readFileSync(join(marker, 'parsl.log'), 'utf8')
      .split('\n')
      .filter((l) => EXPOSED.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/on \* \(every interface\), port \d+: anyone who can reach it can register/);
    expect(lines[0]).toContain("set encrypted: true, or address: '127.0.0.1'");
  });
});

describe('isLoopbackAddress', () => {
  test('loopback literals in every spelling; wildcards and other addresses are not', () => {
    for (const a of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['*', '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'example.org'])
      expect(isLoopbackAddress(a)).toBe(false);
  });
});
