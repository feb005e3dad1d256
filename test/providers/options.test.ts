/**
 * Every provider, launcher and channel reads its options one way: an unknown key, a snake_case key from a
 * Parsl config and an ill-typed value each fail with a ConfigurationError naming the class and the field.
 */
import {
  AdHocProvider,
  AprunLauncher,
  AWSProvider,
  CobaltProvider,
  CondorProvider,
  ConfigurationError,
  GnuParallelLauncher,
  GoogleCloudProvider,
  GridEngineProvider,
  JsrunLauncher,
  KubernetesProvider,
  LocalChannel,
  LocalProvider,
  LSFProvider,
  MpiExecLauncher,
  MpiRunLauncher,
  OAuthSSHChannel,
  PBSProProvider,
  SimpleLauncher,
  SingleNodeLauncher,
  SlurmProvider,
  SrunLauncher,
  SrunMPILauncher,
  SSHChannel,
  SSHInteractiveLoginChannel,
  TorqueProvider,
  WrappedLauncher,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';

type Options = Record<string, unknown>;

interface Row {
  /** The class name the messages must carry. */
  readonly name: string;
  readonly make: (o: Options) => unknown;
  /** Options the class requires. */
  readonly needs: Options;
  /** A Parsl key and its parsl-ts spelling, when the class has a multi-word option. */
  readonly snake: readonly [string, string] | null;
  /** A field and a value of the wrong type or range. */
  readonly bad: readonly [string, unknown];
}

const row = (
  name: string,
  make: (o: Options) => unknown,
  bad: Row['bad'],
  snake: Row['snake'] = null,
  needs: Options = {},
): Row => ({ name, make, needs, snake, bad });

/** A batch provider: all share ClusterProvider's options. */
const cluster = (name: string, make: (o: Options) => unknown): Row =>
  row(name, make, ['nodesPerBlock', '2'], ['nodes_per_block', 'nodesPerBlock']);

const ROWS: Row[] = [
  cluster('LocalProvider', (o) => new LocalProvider(o)),
  cluster('SlurmProvider', (o) => new SlurmProvider(o)),
  cluster('TorqueProvider', (o) => new TorqueProvider(o)),
  cluster('PBSProProvider', (o) => new PBSProProvider(o)),
  cluster('CobaltProvider', (o) => new CobaltProvider(o)),
  cluster('LSFProvider', (o) => new LSFProvider(o)),
  cluster('CondorProvider', (o) => new CondorProvider(o)),
  cluster('GridEngineProvider', (o) => new GridEngineProvider(o)),
  row(
    'AdHocProvider',
    (o) => new AdHocProvider(o as never),
    ['parallelism', 2],
    ['worker_init', 'workerInit'],
    { channels: [new LocalChannel()] },
  ),
  row(
    'KubernetesProvider',
    (o) => new KubernetesProvider(o as never),
    ['initBlocks', -1],
    ['max_blocks', 'maxBlocks'],
    { image: 'parsl-ts:latest' },
  ),
  row(
    'AWSProvider',
    (o) => new AWSProvider(o as never),
    ['securityGroupIds', 'sg-1'],
    ['instance_type', 'instanceType'],
    { imageId: 'ami-0123' },
  ),
  row(
    'GoogleCloudProvider',
    (o) => new GoogleCloudProvider(o as never),
    ['cmdTimeout', 0],
    ['init_blocks', 'initBlocks'],
    { projectId: 'p' },
  ),
  row('SimpleLauncher', (o) => new SimpleLauncher(o), ['debug', 'yes']),
  row('SingleNodeLauncher', (o) => new SingleNodeLauncher(o), ['failOnAny', 1], ['fail_on_any', 'failOnAny']),
  row('SrunLauncher', (o) => new SrunLauncher(o), ['overrides', 3]),
  row('SrunMPILauncher', (o) => new SrunMPILauncher(o), ['debug', 0]),
  row('AprunLauncher', (o) => new AprunLauncher(o), ['overrides', []]),
  row('JsrunLauncher', (o) => new JsrunLauncher(o), ['debug', null]),
  row('MpiExecLauncher', (o) => new MpiExecLauncher(o), ['bindCmd', ''], ['bind_cmd', 'bindCmd']),
  row('MpiRunLauncher', (o) => new MpiRunLauncher(o), ['bashLocation', 5], ['bash_location', 'bashLocation']),
  row('GnuParallelLauncher', (o) => new GnuParallelLauncher(o), ['debug', 'no']),
  row('WrappedLauncher', (o) => new WrappedLauncher(o as never), ['prepend', ['singularity']], null, {
    prepend: 'time',
  }),
  row('LocalChannel', (o) => new LocalChannel(o), ['envs', { A: 1 }], ['script_dir', 'scriptDir']),
  row('SSHChannel', (o) => new SSHChannel(o as never), ['port', '22'], ['key_filename', 'keyFilename'], {
    hostname: 'h',
  }),
  row(
    'SSHInteractiveLoginChannel',
    (o) => new SSHInteractiveLoginChannel(o as never),
    ['prompt', 'password please'],
    ['known_hosts', 'knownHosts'],
    { hostname: 'h' },
  ),
  row(
    'OAuthSSHChannel',
    (o) => new OAuthSSHChannel(o as never),
    ['hostKeyPolicy', 'trust'],
    ['host_key_policy', 'hostKeyPolicy'],
    { hostname: 'h', token: 't' },
  ),
];

function errorOf(f: () => unknown): ConfigurationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return e as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, but construction succeeded');
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each(ROWS)('$name options', ({ name, make, needs, snake, bad }) => {
  test('its required options alone construct it', () => {
    expect(make({ ...needs })).toBeDefined();
  });

  test('an unknown key names the class and the key', () => {
    expect(errorOf(() => make({ ...needs, bogus: 1 })).message).toMatch(
      new RegExp(`^${name}: unknown option 'bogus' \\(known options: .*\\)$`),
    );
  });

  test('an ill-typed value names the class and the field', () => {
    const [field, value] = bad;
    expect(errorOf(() => make({ ...needs, [field]: value })).message).toMatch(
      new RegExp(`^${name}\\.${esc(field)} must be .*; got `),
    );
  });

  test.each(snake === null ? [] : [snake])('the Parsl key %s names its camelCase spelling %s', (py, ts) => {
    expect(errorOf(() => make({ ...needs, [py]: 2 })).message).toBe(
      `${name}: unknown option '${py}'; parsl-ts spells Parsl's options in camelCase: '${ts}'`,
    );
  });
});

describe('walltime', () => {
  const BATCH = [SlurmProvider, TorqueProvider, PBSProProvider, CobaltProvider, LSFProvider, CondorProvider];
  test.each([...BATCH, GridEngineProvider, LocalProvider].map((C) => [C.name, C] as const))(
    '%s takes seconds as well as HH:MM:SS',
    (_name, C) => {
      expect(new C({ walltime: 600 }).walltime).toBe('00:10:00');
      expect(new C({ walltime: 3600.5 }).walltime).toBe('01:00:01');
      expect(new C({ walltime: '48:00:00' }).walltime).toBe('48:00:00');
      expect(new C({ walltime: '1:30' }).walltime).toBe('00:01:30');
    },
  );

  test.each([0, -60, Number.NaN, '1 hour', '', true])('walltime %j is refused, naming the field', (w) => {
    expect(errorOf(() => new SlurmProvider({ walltime: w as never })).message).toMatch(
      /^SlurmProvider\.walltime must be 'HH:MM:SS' or a number of seconds > 0; got /,
    );
  });

  test('a block of nodes_per_block: 2 is refused instead of silently getting one node', () => {
    expect(() => new SlurmProvider({ nodes_per_block: 2 } as never)).toThrow(
      "SlurmProvider: unknown option 'nodes_per_block'; parsl-ts spells Parsl's options in camelCase: 'nodesPerBlock'",
    );
  });
});
