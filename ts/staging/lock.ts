import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

const held = new Map<string, Promise<void>>();

/**
 * Run `fn` holding an exclusive lock file (`O_EXCL` create; holders in this process queue on a promise first).
 * Serialises writers across threads and processes on one host; a lock left by a dead process is taken over.
 */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const before = held.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const chained = before.then(() => mine);
  held.set(lockPath, chained);
  await before;
  try {
    await acquire(lockPath);
    try {
      return await fn();
    } finally {
      await rm(lockPath, { force: true });
    }
  } finally {
    release();
    if (held.get(lockPath) === chained) held.delete(lockPath);
  }
}

async function acquire(lockPath: string): Promise<void> {
  // Another thread or process holds it: poll with a growing pause (there is no cross-process wake-up).
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      const h = await open(lockPath, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await holderIsDead(lockPath)) await rm(lockPath, { force: true });
    else await delay(pause);
  }
}

async function holderIsDead(lockPath: string): Promise<boolean> {
  const pid = Number(await readFile(lockPath, 'utf8').catch(() => ''));
  // An empty file is a holder between create and write: alive. Our own pid is another thread: alive.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
