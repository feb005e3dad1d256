import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Write `dest` through a temporary name in its directory and rename it into place, so a failed transfer
 * leaves nothing at `dest` (and a reader never sees half a file).
 */
export async function writeAtomically(dest: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.parsl-partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await write(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The file's local path, which the data manager always sets before a step runs. */
export function localPathOf(file: { localPath: string | null; url: string }): string {
  if (file.localPath === null) throw new Error(`no local path was chosen for ${file.url}`);
  return file.localPath;
}
