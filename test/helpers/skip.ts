import type { TestContext } from 'vitest';

/** CI=true: the machine is set up for every suite, so a test that cannot run is a failure, never a skip. */
export const IN_CI = process.env.CI === 'true';

/** A test could not run under CI=true; the message names what is missing and how to provide it. */
export class CannotRunHere extends Error {
  override name = 'CannotRunHere';
}

/**
 * The one rule for a test that needs what a machine may lack (a service, an MPI, a build): call it first, in the
 * test or in a `beforeEach` for a whole `describe`, with what is missing, or null for each thing that is present.
 * When something is missing the test is skipped with that reason outside CI, and fails with it under CI=true.
 * A `beforeAll` runs before this check, so it must not start what is missing.
 */
export function skipOrFail(ctx: TestContext, ...missing: (string | null)[]): void {
  const why = missing.filter((m) => m !== null).join('; ');
  if (why === '') return;
  if (IN_CI) throw new CannotRunHere(`cannot run under CI=true: ${why}`);
  ctx.skip(why);
}
