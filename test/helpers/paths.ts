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
