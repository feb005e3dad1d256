import { Script } from 'node:vm';
import { AppTimeout } from 'parsl-ts';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { appTimeout, backstopMs, callWithin, OverrunWatch, raceWalltime } from '#internal';

function spin(ms: number): string {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return 'done';
}

describe('callWithin: the bound inside the running thread', () => {
  test('a body within its walltime returns its value, with its arguments', () => {
    expect(callWithin('add', 1000, (a: number, b: number) => a + b, [2, 3])).toBe(5);
  });

  test('a synchronous busy loop is interrupted at its walltime and the thread goes on', () => {
    let caught: unknown;
    try {
      // A loop that would never end: returning at all proves the bound interrupted it.
      callWithin('busy', 200, spin, [Number.POSITIVE_INFINITY]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppTimeout);
    expect((caught as Error).message).toBe('app busy exceeded its walltime of 0.2 s');
    expect(callWithin('after', 1000, () => 'still running', [])).toBe('still running');
  });

  test("the body's own errors pass through, a vm timeout inside it included", () => {
    expect(() =>
      callWithin(
        'typed',
        1000,
        () => {
          throw new TypeError('bad input');
        },
        [],
      ),
    ).toThrow(TypeError);
    const inner = new Script('for (;;) {}');
    let caught: unknown;
    try {
      callWithin('nested', 30_000, () => inner.runInThisContext({ timeout: 20 }), []);
    } catch (e) {
      caught = e;
    }
    expect(caught).not.toBeInstanceOf(AppTimeout);
    expect((caught as { code?: string }).code).toBe('ERR_SCRIPT_EXECUTION_TIMEOUT');
  });

  test('calls nest: an inner bound does not disturb the outer one', () => {
    const outer = callWithin('outer', 5000, () => `${callWithin('inner', 5000, () => 'in', [])}+out`, []);
    expect(outer).toBe('in+out');
    expect(() => callWithin('outer', 200, () => callWithin('inner', 60_000, spin, [60_000]), [])).toThrow(
      /^app outer exceeded its walltime of 0.2 s$/,
    );
  });

  test('a returned promise is raced against the walltime left', async () => {
    const never = new Promise(() => {});
    await expect(callWithin('waits', 100, () => never, []) as Promise<unknown>).rejects.toThrow(
      /^app waits exceeded its walltime of 0.1 s$/,
    );
    await expect(callWithin('quick', 5000, async () => 'soon', []) as Promise<unknown>).resolves.toBe('soon');
  });
});

describe('raceWalltime', () => {
  test('rejects with AppTimeout once the time left is used up, or settles with the promise', async () => {
    await expect(raceWalltime(new Promise(() => {}), 'late', 1500, 0)).rejects.toBeInstanceOf(AppTimeout);
    await expect(raceWalltime(new Promise(() => {}), 'late', 1500, -5)).rejects.toThrow(
      'app late exceeded its walltime of 1.5 s',
    );
    await expect(raceWalltime(Promise.resolve(7), 'ok', 1000, 1000)).resolves.toBe(7);
    await expect(raceWalltime(Promise.reject(new RangeError('no')), 'bad', 1000, 1000)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('the host backstop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('one wording and a larger margin for bash apps', () => {
    expect(appTimeout('a', 2500).message).toBe('app a exceeded its walltime of 2.5 s');
    expect(appTimeout('a', 2500)).toBeInstanceOf(AppTimeout);
    expect(backstopMs('js')).toBeGreaterThan(0);
    expect(backstopMs('bash')).toBeGreaterThan(backstopMs('js'));
  });

  test('fires at walltime + backstop for the watched task only, unless forgotten first', () => {
    vi.useFakeTimers();
    const fired: Array<[string, number]> = [];
    const watch = new OverrunWatch<string, number>((w, t) => fired.push([w, t]));
    watch.started('w1', 1, 'js', 100);
    watch.started('w2', 2, 'bash', 100);
    watch.started('w3', 3, 'js', 100);
    expect(watch.size).toBe(3);
    expect(watch.watching('w1')).toBe(1);
    watch.forget('w3');
    vi.advanceTimersByTime(100 + backstopMs('js') - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([['w1', 1]]);
    expect(watch.watching('w1')).toBeUndefined();
    vi.advanceTimersByTime(backstopMs('bash'));
    expect(fired).toEqual([
      ['w1', 1],
      ['w2', 2],
    ]);
    expect(watch.size).toBe(0);
  });

  test('a new task on a worker replaces the earlier watch, and clear() stops everything', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const watch = new OverrunWatch<string, number>((_w, t) => fired.push(t));
    watch.started('w', 1, 'js', 100);
    watch.started('w', 2, 'js', 5000);
    vi.advanceTimersByTime(100 + backstopMs('js'));
    expect(fired).toEqual([]);
    expect(watch.watching('w')).toBe(2);
    watch.started('v', 3, 'js', 10);
    watch.clear();
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual([]);
    expect(watch.size).toBe(0);
  });
});
