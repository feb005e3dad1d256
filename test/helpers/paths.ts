import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository's root directory. */
export const REPO = resolve(import.meta.dirname, '../..');

/** A fresh directory `parsl-ts-<name>-XXXXXX` under the system's temporary directory; `remove` deletes it. */
export function tempDir(name = 'test'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `parsl-ts-${name}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Where a site test writes its result row (`<site>.<mode>.json`) when PARSL_TS_SITE_RESULTS names a directory,
 * e.g. site-tests/results to refresh the matrix; null otherwise.
 */
export function siteResultFile(site: string, mode: string): string | null {
  const dir = process.env.PARSL_TS_SITE_RESULTS;
  return dir ? join(resolve(dir), `${site}.${mode}.json`) : null;
}
