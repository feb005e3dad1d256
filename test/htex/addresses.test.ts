import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import {
  ConfigurationError,
  HighThroughputExecutor,
  LocalProvider,
  SimpleLauncher,
  TooManyJobFailures,
} from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { freshRunDir, jsTask, run } from '../helpers/executors.js';
import { type Started, startHtex } from '../helpers/htex.js';
import { expectNoProcessLeft } from '../helpers/processes.js';
import { expectLogErrors } from '../helpers/run-logs.js';

/**
 * Addresses that never answer a probe, each failing differently on this machine's network: 127.0.0.2 refuses the
 * connection (the interchange listens on 127.0.0.1 only), 198.51.100.1 (TEST-NET-2) has no route, 192.0.2.1 is
 * another host with nothing on the port, and 127.0.0.3 accepts the TCP connection but never says a word (a
 * listener the test starts, like a firewall that swallows traffic or a service that is not the interchange).
 */
const DEAD = ['127.0.0.2', '198.51.100.1', '127.0.0.3', '192.0.2.1'];

function listenSilently(host: string, port: number): Promise<{ server: Server; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((c) => {
    accepted.push(c);
    c.on('error', () => {}); // the probe resets the connection when it gives up
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, accepted }));
  });
}

function connectionRefused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, host, () => {
      c.destroy();
      resolve(false);
    });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** Every pool log under a run directory (the kernel adds a run id level), concatenated. */
function managerLogs(runDir: string): string {
  return readdirSync(runDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('manager.log'))
    .map((f) => readFileSync(join(runDir, f), 'utf8'))
    .join('\n');
}

describe('pools probe every interchange address and keep the one that answers', () => {
  let s: Started | undefined;
  let silent: { server: Server; accepted: Socket[] } | undefined;
  afterEach(async () => {
    for (const c of silent?.accepted ?? []) c.destroy();
    silent?.server.close();
    silent = undefined;
    await s?.cleanup();
    s = undefined;
  });

  test('dead addresses first and 127.0.0.1 last: the pool connects to 127.0.0.1 and runs tasks', async () => {
    s = await startHtex('probe-ok', { blocks: 0, address: [...DEAD, '127.0.0.1'], addressProbeTimeout: 5 });
    const port = s.ex.interchangePorts!.workerPort;
    // Of the list, the interchange listens only on this host's own interface address.
    expect(await connectionRefused('127.0.0.2', port)).toBe(true);
    silent = await listenSilently('127.0.0.3', port);
    await s.ex.scaleOut(1);
    const outs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        run(
          s!.ex,
          jsTask((x: number) => -x, [i]),
        ),
      ),
    );
    expect(outs.every((o, i) => o.ok && o.value === -i)).toBe(true);
    // Every candidate was tried at once: the silent one was reached, yet the pool chose 127.0.0.1.
    expect(silent.accepted.length).toBeGreaterThan(0);
    expect(managerLogs(s.runDir)).toMatch(/connecting to 127\.0\.0\.1:\d+/);
    expect(s.ex.workerLaunchCommand('9')).toContain(`--addresses=${[...DEAD, '127.0.0.1'].join(',')}`);
  });

  test('an IPv6 literal works as the interchange address (sockets have IPv6 on)', async () => {
    s = await startHtex('probe-v6', { address: ['127.0.0.2', '::1'], addressProbeTimeout: 5 });
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(
          s!.ex,
          jsTask((x: number) => x, [i]),
        ),
      ),
    );
    expect(outs.every((o, i) => o.ok && o.value === i)).toBe(true);
    expect(managerLogs(s.runDir)).toMatch(/connecting to ::1:\d+/);
  });

  test('with no address answering, the pool exits with a logged error and the executor fails the block', async () => {
    const { runDir } = freshRunDir('probe-none');
    expectLogErrors(
      runDir,
      /ERROR: no interchange answered on 198\.51\.100\.1, 192\.0\.2\.1/,
      /ERROR: executor htex is in a bad state: .*every block failed/,
    );
    const ex = new HighThroughputExecutor({
      label: 'htex',
      address: ['198.51.100.1', '192.0.2.1'],
      addressProbeTimeout: 1,
      provider: new LocalProvider({
        launcher: new SimpleLauncher({ debug: false }),
        initBlocks: 1,
        statusPollingInterval: 100,
      }),
    });
    const dfk = await parsl.load(
      new parsl.Config({ executors: [ex], runDir, strategy: 'none', strategyPeriod: 0.1 }),
    );
    try {
      const task = parsl.app((x: number) => x)(1);
      const err = await task.exception();
      expect(err).toBeInstanceOf(TooManyJobFailures);
      expect(err!.message).toMatch(
        /no interchange answered on 198\.51\.100\.1, 192\.0\.2\.1 port \d+ within 1000 ms/,
      );
      expect(managerLogs(runDir)).toMatch(/ERROR: no interchange answered on 198\.51\.100\.1, 192\.0\.2\.1/);
    } finally {
      await dfk.cleanup();
      await expectNoProcessLeft(runDir);
    }
  });
});

describe('address option', () => {
  test.each([[[]], [['127.0.0.1', '']], [['a b']], ['10.0.0.1,10.0.0.2'], [42]])(
    '%j is a ConfigurationError naming the field',
    (value) => {
      const make = () => new HighThroughputExecutor({ address: value as string[] });
      expect(make).toThrow(ConfigurationError);
      expect(make).toThrow(/HighThroughputExecutor\.address/);
    },
  );
});
