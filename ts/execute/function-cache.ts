import { type FunctionDescriptor, FunctionLoader, withoutSource } from '../serialize/function-ref.js';

/**
 * "Send a function's source once per receiver, refer to it by id after": every hop that sends tasks (the
 * executor, the interchange, a pool manager, MPI rank 0 and its sub-dispatchers, the thread pool) keeps one
 * {@link KnownFunctions} per receiver, and every hop that receives them keeps a {@link FunctionTable}.
 */

/** The function descriptors a hop has received, by id: what it can forward or run. */
export type FunctionTable = Map<string, FunctionDescriptor>;

/** Add descriptors that arrived with a batch to `table`. */
export function addFunctions(table: FunctionTable, fns: readonly FunctionDescriptor[]): void {
  for (let i = 0; i < fns.length; i++) table.set(fns[i]!.id, fns[i]!);
}

/** Which function sources one receiver already has. */
export class KnownFunctions {
  readonly #ids = new Set<string>();

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Record that the receiver gets function `id` now; false when it had it already. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    return true;
  }

  /** Undo {@link add} for a send that failed. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.#ids.delete(id);
  }

  /**
   * `d` as it travels inside a task: with its source the first time, by id after. Ids recorded now are
   * pushed on `added` (so a failed send can {@link forget} them). Module references always travel whole.
   */
  inTask(d: FunctionDescriptor, added: string[]): FunctionDescriptor {
    if (d.kind !== 'source') return d;
    if (!this.add(d.id)) return withoutSource(d);
    added.push(d.id);
    return d;
  }

  /**
   * What must travel with a batch whose tasks use `fnIds`: the descriptors in `table` the receiver lacks, each
   * recorded as sent.
   */
  forBatch(fnIds: readonly string[], table: FunctionTable): FunctionDescriptor[] {
    const out: FunctionDescriptor[] = [];
    let last: string | undefined;
    for (let i = 0; i < fnIds.length; i++) {
      const id = fnIds[i]!;
      // Batches are mostly runs of one function: one set lookup per run.
      if (id === last) continue;
      last = id;
      if (this.#ids.has(id)) continue;
      const d = table.get(id);
      if (d === undefined) continue;
      this.#ids.add(id);
      out.push(d);
    }
    return out;
  }

  /**
   * The descriptors of `fns` the receiver lacks, recorded as sent (for receivers that get every function the
   * sender was given, like the ranks below an MPI dispatcher).
   */
  fresh(fns: readonly FunctionDescriptor[]): FunctionDescriptor[] {
    return fns.filter((d) => this.add(d.id));
  }
}

/**
 * The receiving end of a worker (HTEX worker process, MPI rank): the descriptors that arrived, with sources
 * compiled as they arrive, and the loader that runs them.
 */
export class ReceivedFunctions {
  readonly loader = new FunctionLoader();
  readonly #table: FunctionTable = new Map();

  add(fns: readonly FunctionDescriptor[]): void {
    for (const d of fns) {
      this.#table.set(d.id, d);
      try {
        if (d.kind === 'source' && d.source !== null) this.loader.compile(d);
      } catch {
        // The task that uses it fails with the compile error when it runs.
      }
    }
  }

  get(id: string): FunctionDescriptor | undefined {
    return this.#table.get(id);
  }
}
