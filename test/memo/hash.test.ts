import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashValue, idForMemo } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import type { MemoTask } from '#internal';
import { describeFunction, hashTask } from '#internal';
import { parsl } from '../helpers/kernel.js';

const { File } = parsl;
const same = (a: unknown, b: unknown) => expect(hashValue(a)).toBe(hashValue(b));
const differ = (a: unknown, b: unknown) => expect(hashValue(a)).not.toBe(hashValue(b));

const sq = (x: number) => x * x;
function task(args: unknown[], over: Partial<MemoTask> = {}): MemoTask {
  return {
    id: 0,
    appName: 'sq',
    kind: 'js',
    fn: describeFunction(sq),
    args,
    hasKwargs: false,
    memoize: true,
    ignoreForCache: [],
    autoIgnored: [],
    hashsum: null,
    ...over,
  };
}
const kwTask = (args: unknown[], over: Partial<MemoTask> = {}) => task(args, { hasKwargs: true, ...over });

describe('canonical hashing of values', () => {
  test('primitives are distinguished by type and value', () => {
    const values = [
      0,
      -0,
      1,
      '1',
      1n,
      true,
      'true',
      null,
      undefined,
      '',
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    const hashes = new Set(values.map((v) => hashValue(v)));
    expect(hashes.size).toBe(values.length);
    same(Number.NaN, 0 / 0);
    same(1, 1.0);
    same(2n ** 70n, 1180591620717411303424n);
    differ(-(2n ** 70n), 2n ** 70n);
    same('héllo ✓', 'héllo ✓');
    differ('\ud800', '\ud801'); // lone surrogates stay distinct
    same(Symbol.for('k'), Symbol.for('k'));
    differ(Symbol.for('k'), 'k');
  });

  test('arrays keep their order and length; nesting is unambiguous', () => {
    same([1, [2, 3]], [1, [2, 3]]);
    differ([1, 2], [2, 1]);
    differ([[1], 2], [1, [2]]);
    differ(['ab'], ['a', 'b']);
    differ([], [undefined]);
  });

  test('plain objects: key order does not matter, keys and values do', () => {
    same({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 });
    same({ a: 1 }, Object.assign(Object.create(null), { a: 1 }));
    differ({ a: 1 }, { a: 2 });
    differ({ a: 1 }, { b: 1 });
    differ({ a: undefined }, {});
    differ({ 0: 'x' }, ['x']);
  });

  test('Map and Set: insertion order does not matter, contents do', () => {
    same(
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { z: 1, y: 2 }],
        [null, [1]],
      ]),
      new Map<unknown, unknown>([
        [null, [1]],
        [2, { y: 2, z: 1 }],
        ['a', 1],
      ]),
    );
    differ(new Map([['a', 1]]), new Map([['a', 2]]));
    differ(new Map([['a', 1]]), { a: 1 });
    same(new Set([3, 'x', [1, 2]]), new Set([[1, 2], 'x', 3]));
    differ(new Set([1, 2]), new Set([1, 2, 3]));
    differ(new Set([1, 2]), [1, 2]);
    differ(new Set(['ab', 'c']), new Set(['a', 'bc'])); // items are length-prefixed
  });

  test('Date, RegExp and binary data', () => {
    same(new Date(1_700_000_000_000), new Date('2023-11-14T22:13:20.000Z'));
    differ(new Date(1), new Date(2));
    differ(new Date(1), 1);
    same(/a+b/gi, /a+b/gi);
    differ(/a+b/g, /a+b/i);
    same(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]));
    differ(new Uint8Array([1, 2, 3]), new Int8Array([1, 2, 3]));
    same(new Float64Array([1.5, -2]), new Float64Array([1.5, -2]));
    differ(new Float64Array([1.5]), new Float64Array([2.5]));
    const big = new Uint8Array(64);
    same(big.subarray(8, 16), new Uint8Array(8)); // only the view's bytes count
    differ(new Uint8Array([1]).buffer, new Uint8Array([1]));
  });

  test('File is hashed by URL, whatever its staged local copy', () => {
    same(new File('/data/in.csv'), new File('/data/in.csv'));
    same(
      new File('https://example.org/a.csv'),
      new File({ url: 'https://example.org/a.csv', localPath: '/tmp/a.csv' }),
    );
    differ(new File('/data/in.csv'), new File('/data/out.csv'));
    differ(new File('/data/in.csv'), '/data/in.csv');
  });

  test('functions: by module reference when declared so, else by source', () => {
    const f1 = (x: number) => x + 1;
    const f2 = (x: number) => x + 1;
    const g = (x: number) => x + 2;
    same(f1, f2); // same source text
    differ(f1, g);
    const modular = parsl.app(
      function triple(x: number) {
        return 3 * x;
      },
      {
        module: 'file:///srv/lib/math.js',
        exportName: 'triple',
      },
    );
    const moved = parsl.app(
      function triple(x: number) {
        return 3 * x;
      },
      {
        module: 'file:///srv/lib/other.js',
        exportName: 'triple',
      },
    );
    differ(modular, moved); // same source, different modules
    same(Math.max, Math.max);
    differ(Math.max, Math.min);
  });

  test('cycles hash deterministically instead of recursing forever', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    const b: Record<string, unknown> = { x: 1 };
    b.self = b;
    same(a, b);
    const c: Record<string, unknown> = { x: 2 };
    c.self = c;
    differ(a, c);
  });

  test('the same value hashes the same in another process (key and insertion order shuffled there)', () => {
    const value = {
      s: 'text',
      n: [1, -0, 2.5, Number.NaN],
      big: 12345678901234567890n,
      m: new Map<unknown, unknown>([
        ['k1', 1],
        ['k2', new Set([1, 2])],
      ]),
      d: new Date(86_400_000),
      t: new Uint16Array([1, 2, 65535]),
      f: new File('file:///data/x.txt'),
      nested: { z: null, y: undefined, x: true },
    };
    const here = hashValue(value);
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const script = `
      const { hashValue, File } = await import(${JSON.stringify(dist)});
      const value = {
        nested: { x: true, y: undefined, z: null },
        f: new File('file:///data/x.txt'),
        t: new Uint16Array([1, 2, 65535]),
        d: new Date(86400000),
        m: new Map([['k2', new Set([2, 1])], ['k1', 1]]),
        big: 12345678901234567890n,
        n: [1, -0, 2.5, NaN],
        s: 'text',
      };
      process.stdout.write(hashValue(value));`;
    const there = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    expect(there).toBe(here);
    expect(here).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('registering hashers with idForMemo', () => {
  test('a registered class hashes by what its hasher returns, subclasses included', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
        readonly label = '',
      ) {}
    }
    class Point3 extends Point {}
    expect(() => hashValue(new Point(1, 2))).toThrow(/class Point have no memo hasher.*idForMemo\(Point/);
    idForMemo(Point, (p) => [p.x, p.y]);
    same(new Point(1, 2, 'a'), new Point(1, 2, 'b')); // label left out by the hasher
    differ(new Point(1, 2), new Point(2, 1));
    differ(new Point(1, 2), [1, 2]); // the class name is part of the hash
    same(new Point3(1, 2), new Point(1, 2));
  });

  test('hashers may return bytes or strings; a hasher that throws is reported', () => {
    class Blob {
      constructor(readonly bytes: Uint8Array) {}
    }
    class Key {
      constructor(readonly k: string) {}
    }
    class Broken {}
    idForMemo(Blob, (b) => b.bytes);
    idForMemo(Key, (k) => k.k);
    idForMemo(Broken, () => {
      throw new Error('no id here');
    });
    same(new Blob(new Uint8Array([1, 2])), new Blob(new Uint8Array([1, 2])));
    differ(new Blob(new Uint8Array([1, 2])), new Blob(new Uint8Array([2, 1])));
    differ(new Key('a'), new Key('b'));
    expect(() => hashValue({ deep: [new Broken()] })).toThrow(
      /at \.deep\[0\].*hasher for Broken threw: no id here/,
    );
  });

  test('idForMemo rejects what is not a class or a hasher', () => {
    expect(() => idForMemo(42 as never, () => 1)).toThrow(TypeError);
    expect(() => idForMemo(class A {}, 'x' as never)).toThrow(TypeError);
  });
});

describe('hashing tasks', () => {
  test('function identity, positional arguments and keywords all count; keyword order does not', () => {
    const h = hashTask(kwTask([1, { a: 1, b: 2 }]));
    expect(hashTask(kwTask([1, { b: 2, a: 1 }]))).toBe(h);
    expect(hashTask(kwTask([2, { a: 1, b: 2 }]))).not.toBe(h);
    expect(hashTask(kwTask([1, { a: 1, b: 3 }]))).not.toBe(h);
    expect(hashTask(task([1, { a: 1, b: 2 }]))).not.toBe(h); // a positional object is not the keyword object
    const cube = (x: number) => x * x * x;
    expect(hashTask(kwTask([1, { a: 1, b: 2 }], { fn: describeFunction(cube) }))).not.toBe(h);
  });

  test('ignoreForCache and kernel-filled (AUTO_LOGNAME) keywords are left out', () => {
    const base = hashTask(
      kwTask([1, { stdout: '/runinfo/000/task_logs/0000/task_0001_sq.stdout', x: 1 }], {
        autoIgnored: ['stdout'],
      }),
    );
    expect(
      hashTask(
        kwTask([1, { stdout: '/runinfo/007/task_logs/0000/task_0042_sq.stdout', x: 1 }], {
          autoIgnored: ['stdout'],
        }),
      ),
    ).toBe(base);
    // A path the user chose is part of the hash.
    expect(hashTask(kwTask([1, { stdout: '/a.out', x: 1 }]))).not.toBe(
      hashTask(kwTask([1, { stdout: '/b.out', x: 1 }])),
    );
    const ignored = (seed: number) => hashTask(kwTask([1, { seed, x: 1 }], { ignoreForCache: ['seed'] }));
    expect(ignored(1)).toBe(ignored(2));
  });

  test('outputs are hashed as output references: by URL, not by staging state', () => {
    const out = (f: InstanceType<typeof File>) => hashTask(kwTask([{ outputs: [f] }]));
    expect(out(new File('/data/out.txt'))).toBe(
      out(new File({ url: '/data/out.txt', localPath: '/scratch/o.txt' })),
    );
    expect(out(new File('/data/out.txt'))).not.toBe(out(new File('/data/other.txt')));
    // The outputs name what the task writes: a different list of outputs is a different task.
    const two = hashTask(kwTask([{ outputs: [new File('/data/out.txt'), new File('/data/log.txt')] }]));
    expect(two).not.toBe(out(new File('/data/out.txt')));
  });

  test('an unhashable argument fails with UnhashableArgument naming the argument, app and type', () => {
    class Opaque {}
    let err: Error | undefined;
    try {
      hashTask(kwTask([1, { cfg: { inner: [0, new Opaque()] } }]));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('UnhashableArgument');
    expect(err?.message).toMatch(/keyword argument 'cfg' of app sq at \.inner\[1\]/);
    expect(err?.message).toMatch(/class Opaque have no memo hasher; register one with idForMemo\(Opaque/);
    expect(() => hashTask(task([new Opaque()]))).toThrow(/argument 0 of app sq/);
    expect(() => hashTask(task([Symbol('unique')]))).toThrow(/unique Symbol\(unique\)/);
    expect(() => hashTask(task([sq.bind(null)]))).toThrow(/bound function/);
  });
});
