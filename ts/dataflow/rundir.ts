import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Create the next numbered run directory under `base` (`000`, `001`, …, `999`, `1000`, …): the highest
 * all-digit entry plus one, so runs never collide and ordering is numeric past 999.
 */
export async function makeRunDir(base: string): Promise<string> {
  const root = resolve(base);
  await mkdir(root, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const next = (await highestRunNumber(root)) + 1;
    const dir = join(root, String(next).padStart(3, '0'));
    try {
      await mkdir(dir);
      return dir;
    } catch (e) {
      // Another process took this number between our readdir and mkdir: try the next one.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`could not create a run directory under ${root}`);
}

export async function highestRunNumber(root: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return -1;
  }
  let max = -1;
  for (const n of names) if (/^\d+$/.test(n)) max = Math.max(max, Number(n));
  return max;
}

/**
 * Parsl's AUTO_LOGNAME path: `<runDir>/task_logs/<id/10000 zero-padded>/task_<id>_<app>[_<label>].<stream>`,
 * with the call's `label` keyword when it gave one.
 */
export function autoLogPath(
  runDir: string,
  id: number,
  appName: string,
  stream: 'stdout' | 'stderr',
  label: string | null = null,
): string {
  const bucket = String(Math.floor(id / 10000)).padStart(4, '0');
  const tail = label === null ? '' : `_${label}`;
  return join(runDir, 'task_logs', bucket, `task_${String(id).padStart(4, '0')}_${appName}${tail}.${stream}`);
}
