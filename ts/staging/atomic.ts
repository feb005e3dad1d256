import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
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

/**
 * Bytes of a download buffered ahead of the disk before its source is paused. Writes go through the thread
 * pool in batches (one writev of everything that arrived while the previous write ran), so the socket keeps
 * being read while the disk writes: a synchronous write per socket read stalled HTTP downloads (1.3–1.5× curl
 * on loopback), and a stream's default 16 KiB buffer paused the socket after every read (1.8×).
 */
const WRITE_AHEAD = 16 * 1024 * 1024;

/**
 * Stream a download into `tmp` with `fill` (which pipes into the stream and ends it). Resolves once the file
 * is closed, so the caller may rename or remove it; a stream `fill` left unfinished is destroyed, not flushed.
 */
export async function streamInto(tmp: string, fill: (out: WriteStream) => Promise<unknown>): Promise<void> {
  const out = createWriteStream(tmp, { highWaterMark: WRITE_AHEAD });
  try {
    await fill(out);
  } finally {
    if (!out.writableFinished) out.destroy();
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
  }
}
