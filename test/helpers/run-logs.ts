import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file a run directory declares its expected errors in; scripts/check-run-logs.mjs reads the same name. */
export const EXPECTED_LOG_ERRORS = 'expected-log-errors.txt';

/**
 * After the suite, scripts/test.sh fails on every ERROR or CRITICAL line that parsl-ts logged into the logs the
 * tests left under their temporary directory, unless a test declared it here: a test that provokes errors on
 * purpose (a killed pool, a refused key) names them, and each pattern excuses the matching lines of every log
 * below `runDir`.
 */
export function expectLogErrors(runDir: string, ...patterns: RegExp[]): void {
  appendFileSync(join(runDir, EXPECTED_LOG_ERRORS), patterns.map((p) => `${p.source}\n`).join(''));
}
