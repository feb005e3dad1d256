// Instances of user classes and user error classes across workers: a class registered with registerClass arrives
// as an instance of its class (arguments, nested, in Maps and Sets, results, thrown errors); an unregistered
// instance fails its task with SerializationError naming the argument; an unregistered error class says so.
import * as parsl from 'parsl-ts';
import { HighThroughputExecutor, LocalProvider, SerializationError, SimpleLauncher } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Loose, LooseError, Point, Segment, WorkflowError } from '../fixtures/user-classes.mjs';
import { freshRunDir } from '../helpers/executors.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';

const FIXTURE = new URL('../fixtures/user-classes.mjs', import.meta.url).href;

const EXECUTORS: ReadonlyArray<readonly [string, () => parsl.Executor]> = [
  ['threads', () => new parsl.ThreadPoolExecutor({ maxThreads: 2 })],
  [
    'htex',
    () =>
      new HighThroughputExecutor({
        address: '127.0.0.1',
        maxWorkersPerNode: 2,
        provider: new LocalProvider({ launcher: new SimpleLauncher({ debug: false }), initBlocks: 1 }),
      }),
  ],
];

describe.each(EXECUTORS)('user classes on %s', (name, make) => {
  let dfk: parsl.DataFlowKernel;
  let runDir = '';
  beforeAll(async () => {
    runDir = freshRunDir(`classes-${name}`).runDir;
    dfk = await parsl.load({ executors: [make()], runDir, strategy: 'none' });
  });
  afterAll(async () => {
    try {
      await dfk?.cleanup();
      await expectNoProcessLeft(runDir);
    } finally {
      killAll(runDir);
    }
  });

  test('a registered instance arrives as its class, also nested, in a Map and a Set, and as a keyword', async () => {
    const describe = parsl.app(
      (p: Point, s: Segment, m: Map<string, Point>, set: Set<Point>, kw: { at: Point }) =>
        [p.norm2(), s.length2(), m.get('p')!.norm2(), [...set][0]!.norm2(), kw.at.norm2()].join(' '),
    );
    const p = new Point(3, 4);
    const got = await describe(p, new Segment(new Point(0, 0), p), new Map([['p', p]]), new Set([p]), {
      at: p,
    });
    expect(got).toBe('25 25 25 25 25');
  });

  test('an instance returned by an app comes back as its class', async () => {
    const make = parsl.app(async (url: string) => {
      const { Point } = await import(url);
      return new Point(6, 8);
    });
    const p = await make(FIXTURE);
    expect(p).toBeInstanceOf(Point);
    expect((p as Point).norm2()).toBe(100);
  });

  test('an unregistered instance fails the task with SerializationError naming the argument', async () => {
    const id = parsl.app((x: unknown) => x);
    const e = await id({ deep: [new Loose(1)] }).exception();
    expect(e).toBeInstanceOf(SerializationError);
    expect(e!.message).toMatch(
      /argument 0\.deep\[0\] is an object of type Loose, which would reach the worker as a plain object without its methods: register the class .*registerClass\(Loose, \{ module: import\.meta\.url \}\)/,
    );
  });

  test('a future inside a registered instance is named, not sent as the upstream app', async () => {
    const double = parsl.app((x: number) => x * 2);
    const id = parsl.app((x: unknown) => x);
    const e = await id(new Segment(double(1), null)).exception();
    expect(e).toBeInstanceOf(SerializationError);
    expect(e!.message).toMatch(/argument 0\.a is a future or Promise the kernel did not wait for/);
  });

  test('a registered error class is rebuilt as its class, with its fields', async () => {
    const fail = parsl.app(async (url: string) => {
      const { WorkflowError } = await import(url);
      throw new WorkflowError('step failed', 3);
    });
    const e = await fail(FIXTURE).exception();
    expect(e).toBeInstanceOf(WorkflowError);
    expect(e).toMatchObject({ message: 'step failed', step: 3 });
  });

  test('an unregistered error class comes back as an Error whose stack says how to rebuild it', async () => {
    const fail = parsl.app(async (url: string) => {
      const { LooseError } = await import(url);
      throw new LooseError('no class here');
    });
    const e = await fail(FIXTURE).exception();
    expect(e).not.toBeInstanceOf(LooseError);
    expect(e!.message).toBe('no class here');
    expect(e!.stack).toMatch(
      /^Error: no class here\n[\s\S]*\[parsl-ts: LooseError is rebuilt as an Error: its class is not registered here; registerClass\(LooseError.*\]$/,
    );
  });
});
