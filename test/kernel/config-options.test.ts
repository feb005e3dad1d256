// Config that Parsl users write: executors and Config refuse unknown, snake_case and ill-typed options naming the
// class and the field; Parsl's forms (`strategy: null`, `usageTracking: true`, level names, a plain object for
// load) are read as Parsl reads them; failures of the helpers say what they tried.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import {
  AddressNotFound,
  Config,
  ConfigurationError,
  ExtremeScaleExecutor,
  HighThroughputExecutor,
  InProcessExecutor,
  LocalProvider,
  MPIExecutor,
  MpiExecLauncher,
  ThreadPoolExecutor,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

type Options = Record<string, unknown>;

/** Each executor (and Config): a constructor, a snake_case key with its camelCase, and an ill-typed field. */
const ROWS: ReadonlyArray<
  readonly [string, (o: Options) => unknown, readonly [string, string] | null, readonly [string, unknown]]
> = [
  ['Config', (o) => new Config(o), ['max_idletime', 'maxIdletime'], ['strategyPeriod', 'often']],
  ['ThreadPoolExecutor', (o) => new ThreadPoolExecutor(o), ['max_threads', 'maxThreads'], ['maxThreads', 0]],
  [
    'HighThroughputExecutor',
    (o) => new HighThroughputExecutor(o),
    ['max_workers_per_node', 'maxWorkersPerNode'],
    ['heartbeatPeriod', '30'],
  ],
  [
    'ExtremeScaleExecutor',
    (o) =>
      new ExtremeScaleExecutor({ provider: new LocalProvider({ launcher: new MpiExecLauncher() }), ...o }),
    ['ranks_per_node', 'ranksPerNode'],
    ['ranksPerNode', 2.5],
  ],
  ['MPIExecutor', (o) => new MPIExecutor(o), ['mpi_launcher', 'mpiLauncher'], ['mpiLauncher', 'mpiexecs']],
  ['InProcessExecutor', (o) => new InProcessExecutor(o), null, ['label', 42]],
];

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe.each(ROWS)('%s options', (name, make, _, [field, bad]) => {
  test('an unknown option is refused naming the class and the option', () => {
    const e = errorOf(() => make({ nodes_per_blok: 2 }));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toMatch(new RegExp(`^${name}: unknown option 'nodes_per_blok'`));
  });

  test('an ill-typed value is refused naming the field', () => {
    const e = errorOf(() => make({ [field]: bad }));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toMatch(new RegExp(`^${name}\\.${field} must be `));
  });
});

test.each(ROWS.filter((r) => r[2] !== null))(
  '%s refuses a snake_case option naming its camelCase',
  (name, make, snake) => {
    const [py, ts] = snake!;
    expect(errorOf(() => make({ [py]: 2 })).message).toBe(
      `${name}: unknown option '${py}'; parsl-ts spells Parsl's options in camelCase: '${ts}'`,
    );
  },
);

describe("Config reads Parsl's forms", () => {
  test('strategy: null turns scaling off, as strategy=None', () => {
    expect(new Config({ strategy: null }).strategy).toBe('none');
    expect(new Config({}).strategy).toBe('simple');
  });

  test('usageTracking takes Parsl’s levels and its older true/false', () => {
    expect(new Config({ usageTracking: true }).usageTracking).toBe(1);
    expect(new Config({ usageTracking: false }).usageTracking).toBe(0);
    expect(new Config({ usageTracking: 3 }).usageTracking).toBe(3);
    expect(() => new Config({ usageTracking: 4 })).toThrow(/Config\.usageTracking must be/);
  });

  test('an executor that is not one is named by its place and what it lacks', () => {
    expect(() => new Config({ executors: [new InProcessExecutor(), { label: 'mine' } as never] })).toThrow(
      /Config\.executors must be an array of executors, but element 1 is not one \(it lacks start, submit, outstanding, shutdown/,
    );
    expect(() => new Config({ executors: [ThreadPoolExecutor as never] })).toThrow(
      /element 0 is a class or function: construct it, e\.g\. new ThreadPoolExecutor/,
    );
  });

  test('parsl.load takes a plain object as Config fields, checked like Config', async () => {
    const dir = tempDir();
    try {
      await expect(parsl.load({ retrys: 2 } as never)).rejects.toThrow(/^Config: unknown option 'retrys'/);
      const dfk = await parsl.load({
        executors: [new InProcessExecutor()],
        runDir: join(dir.path, 'runinfo'),
      });
      try {
        expect(dfk.config).toBeInstanceOf(Config);
        expect(await parsl.app((x: number) => x + 1)(1)).toBe(2);
      } finally {
        await dfk.cleanup();
      }
    } finally {
      dir.remove();
    }
  });
});

describe('log levels', () => {
  test.each([
    ['INFO', ['info', 'warning']],
    ['warning', ['warning']],
    [10, ['debug', 'info', 'warning']],
    [30, ['warning']],
  ] as const)('setFileLogger level %j writes what it admits', async (level, admitted) => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'x.log');
      const handle = parsl.setFileLogger(path, { name: 'test.levels', level });
      const log = parsl.getLogger('test.levels');
      log.debug('at debug');
      log.info('at info');
      log.warning('at warning');
      await handle.close();
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      expect(lines.map((l) => /at (\w+)$/.exec(l)?.[1])).toEqual(admitted);
    } finally {
      dir.remove();
    }
  });

  test.each(['loud', null, true])('level %j is refused', (level) => {
    expect(() => parsl.setStreamLogger({ level: level as never })).toThrow(
      /^setStreamLogger: level must be one of 'debug', 'info', 'warning', 'error', 'critical'/,
    );
  });
});

describe('addressByQuery', () => {
  test('an HTTP error says which URL answered what', async () => {
    const server = createServer((_, res) => res.writeHead(503, 'Service Unavailable').end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`;
    try {
      const e = await parsl.addressByQuery(5_000, url).catch((x: Error) => x);
      expect(e).toBeInstanceOf(AddressNotFound);
      expect((e as Error).message).toContain(`asking ${url} for this host's public address got HTTP 503`);
    } finally {
      server.close();
    }
  });

  test('a refused connection says why instead of a bare "fetch failed"', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    server.close();
    await once(server, 'close');
    const e = await parsl.addressByQuery(5_000, url).catch((x: Error) => x);
    expect((e as Error).message).toMatch(/failed: fetch failed: ECONNREFUSED; give the executor an address/);
  });
});
