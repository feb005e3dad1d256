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

const channel = new LocalChannel();
/** A batch provider: all share ClusterProvider's options. */
const cluster = (name: string, make: (o: Options) => unknown): Row => ({
  name,
  make,
  needs: {},
  snake: ['nodes_per_block', 'nodesPerBlock'],
  bad: ['nodesPerBlock', '2'],
});

const CLUSTER_ROWS: Row[] = [
  cluster('LocalProvider', (o) => new LocalProvider(o)),
  cluster('SlurmProvider', (o) => new SlurmProvider(o)),
  cluster('TorqueProvider', (o) => new TorqueProvider(o)),
  cluster('PBSProProvider', (o) => new PBSProProvider(o)),
  cluster('CobaltProvider', (o) => new CobaltProvider(o)),
  cluster('LSFProvider', (o) => new LSFProvider(o)),
  cluster('CondorProvider', (o) => new CondorProvider(o)),
  cluster('GridEngineProvider', (o) => new GridEngineProvider(o)),
];

const ROWS: Row[] = [
  ...CLUSTER_ROWS,
  {
    name: 'AdHocProvider',
    make: (o) => new AdHocProvider(o as never),
    needs: { channels: [channel] },
    snake: ['worker_init', 'workerInit'],
    bad: ['parallelism', 2],
  },
  {
    name: 'KubernetesProvider',
    make: (o) => new KubernetesProvider(o as never),
    needs: { image: 'parsl-ts:latest' },
    snake: ['max_blocks', 'maxBlocks'],
    bad: ['initBlocks', -1],
  },
  {
    name: 'AWSProvider',
    make: (o) => new AWSProvider(o as never),
    needs: { imageId: 'ami-0123' },
    snake: ['instance_type', 'instanceType'],
    bad: ['securityGroupIds', 'sg-1'],
  },
  {
    name: 'GoogleCloudProvider',
    make: (o) => new GoogleCloudProvider(o as never),
    needs: { projectId: 'p' },
    snake: ['init_blocks', 'initBlocks'],
    bad: ['cmdTimeout', 0],
  },
  {
    name: 'SimpleLauncher',
    make: (o) => new SimpleLauncher(o),
    needs: {},
    snake: null,
    bad: ['debug', 'yes'],
  },
  {
    name: 'SingleNodeLauncher',
    make: (o) => new SingleNodeLauncher(o),
    needs: {},
    snake: ['fail_on_any', 'failOnAny'],
    bad: ['failOnAny', 1],
  },
  { name: 'SrunLauncher', make: (o) => new SrunLauncher(o), needs: {}, snake: null, bad: ['overrides', 3] },
  { name: 'SrunMPILauncher', make: (o) => new SrunMPILauncher(o), needs: {}, snake: null, bad: ['debug', 0] },
  {
    name: 'AprunLauncher',
    make: (o) => new AprunLauncher(o),
    needs: {},
    snake: null,
    bad: ['overrides', []],
  },
  { name: 'JsrunLauncher', make: (o) => new JsrunLauncher(o), needs: {}, snake: null, bad: ['debug', null] },
  {
    name: 'MpiExecLauncher',
    make: (o) => new MpiExecLauncher(o),
    needs: {},
    snake: ['bind_cmd', 'bindCmd'],
    bad: ['bindCmd', ''],
  },
  {
    name: 'MpiRunLauncher',
    make: (o) => new MpiRunLauncher(o),
    needs: {},
    snake: ['bash_location', 'bashLocation'],
    bad: ['bashLocation', 5],
  },
  {
    name: 'GnuParallelLauncher',
    make: (o) => new GnuParallelLauncher(o),
    needs: {},
    snake: null,
    bad: ['debug', 'no'],
  },
  {
    name: 'WrappedLauncher',
    make: (o) => new WrappedLauncher(o as never),
    needs: { prepend: 'time' },
    snake: null,
    bad: ['prepend', ['singularity']],
  },
  {
    name: 'LocalChannel',
    make: (o) => new LocalChannel(o),
    needs: {},
    snake: ['script_dir', 'scriptDir'],
    bad: ['envs', { A: 1 }],
  },
  {
    name: 'SSHChannel',
    make: (o) => new SSHChannel(o as never),
    needs: { hostname: 'h' },
    snake: ['key_filename', 'keyFilename'],
    bad: ['port', '22'],
  },
  {
    name: 'SSHInteractiveLoginChannel',
    make: (o) => new SSHInteractiveLoginChannel(o as never),
    needs: { hostname: 'h' },
    snake: ['known_hosts', 'knownHosts'],
    bad: ['prompt', 'password please'],
  },
  {
    name: 'OAuthSSHChannel',
    make: (o) => new OAuthSSHChannel(o as never),
    needs: { hostname: 'h', token: 't' },
    snake: ['host_key_policy', 'hostKeyPolicy'],
    bad: ['hostKeyPolicy', 'trust'],
  },
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
