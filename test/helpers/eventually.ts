/** What `eventually` resolves with: the condition's value, once it is truthy. */
export type Truthy<T> = Exclude<Awaited<T>, false | 0 | '' | null | undefined>;

export interface EventuallyOptions {
  /** What is awaited, as the timeout message should name it ("two pools registered"). @default the condition's source */
  readonly what?: string;
  /**
   * The suites share two cores with daemons, MPI jobs and process pools: a condition that holds within a second on
   * an idle machine may need many seconds there. @default 30_000
   */
  readonly timeoutMs?: number;
  /** Pause between checks; raise it for checks that run a command (squeue, qstat). @default 100 */
  readonly intervalMs?: number;
}

/** `eventually` gave up: the message names what was awaited and what the last check saw. */
export class ConditionTimeout extends Error {
  override name = 'ConditionTimeout';
}

/**
 * Wait for a state instead of sleeping: check `condition` until it returns a truthy value and resolve with that value.
 * A check that throws counts as "not yet". After `timeoutMs` (and one last check) it fails with a
 * {@link ConditionTimeout} naming what was awaited, the number of checks, and the last error or value seen.
 */
export async function eventually<T>(
  condition: () => T | Promise<T>,
  { what = sourceOf(condition), timeoutMs = 30_000, intervalMs = 100 }: EventuallyOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let checks = 1; ; checks++) {
    try {
      const value = await condition();
      if (value) return value as Truthy<T>;
      last = `the last check returned ${describe(value)}`;
    } catch (e) {
      last = `the last check threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    const left = deadline - Date.now();
    if (left <= 0)
      throw new ConditionTimeout(
        `timed out after ${timeoutMs} ms (${checks} checks) waiting for ${what}; ${last}`,
      );
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, left)));
  }
}

function sourceOf(condition: () => unknown): string {
  const text = String(condition).replace(/\s+/g, ' ');
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
