// One describe block per run kind for the reliability suites (runs.ts holds what benchmarks share, free of vitest).
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { skipOrFail } from '../helpers/skip.js';
import { endRun, RUN_KINDS, type Run, type RunKind, type RunOptions, runMissing, startRun } from './runs.js';

/**
 * One describe block per run kind, skipped (failed under CI) where that kind cannot run here. `body` starts its
 * runs through `start`; after each test the run is unloaded, and any process of it still alive fails the test.
 */
export function describeEachRun(
  title: (kind: RunKind) => string,
  body: (kind: RunKind, start: (name: string, o?: RunOptions) => Promise<Run>) => void,
  kinds: readonly RunKind[] = RUN_KINDS,
): void {
  for (const kind of kinds) {
    describe(title(kind), () => {
      beforeEach((ctx) => skipOrFail(ctx, runMissing(kind)));
      let run: Run | undefined;
      afterEach(async () => {
        const left = await endRun(run);
        run = undefined;
        expect(left).toEqual([]);
      });
      body(kind, async (name, o) => {
        run = await startRun(name, kind, o);
        return run;
      });
    });
  }
}
