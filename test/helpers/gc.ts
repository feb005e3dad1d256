import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The V8 `gc()` function, also when node was started without `--expose-gc`. */
export function exposeGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Counts objects the garbage collector has reclaimed: `track(x)` registers one, `collected` says how many of
 * them are gone. Finalizers run after a collection on a later turn, so check it with `eventually` and `collect()`.
 */
export class CollectionCounter {
  collected = 0;
  tracked = 0;
  readonly #registry = new FinalizationRegistry<void>(() => {
    this.collected++;
  });
  readonly #gc = exposeGc();

  track(x: object): void {
    this.tracked++;
    this.#registry.register(x, undefined);
  }

  /** Run a full collection and give finalizers a turn; resolves to the number collected so far. */
  async collect(): Promise<number> {
    this.#gc();
    await new Promise((r) => setImmediate(r));
    return this.collected;
  }
}
