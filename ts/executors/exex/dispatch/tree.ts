/**
 * Who talks to whom in an MPI worker pool. Small pools are flat: rank 0 feeds every worker rank. Past
 * `threshold` ranks, ranks 1..S become sub-dispatchers (pure relays with their own dispatcher core) that each
 * feed about `fanout` worker ranks, so rank 0 handles S children instead of thousands and no result queues
 * behind one process. Every rank computes the same layout from (size, threshold, fanout); nothing is exchanged.
 */
export interface TreeLayout {
  readonly size: number;
  /** Ranks that relay (empty when flat). */
  readonly subDispatchers: readonly number[];
  /** Role of a rank. */
  role(rank: number): 'root' | 'relay' | 'worker';
  /** The rank a rank receives tasks from (-1 for rank 0). */
  parent(rank: number): number;
  /** The ranks a rank sends tasks to. */
  children(rank: number): number[];
  /** Worker ranks below a rank (its own children when flat; the workers of its relays otherwise). */
  workersBelow(rank: number): number;
}

export function treeLayout(size: number, threshold: number, fanout: number): TreeLayout {
  const flat = size <= threshold || size < 3 || fanout < 1;
  const relays = flat ? 0 : Math.max(1, Math.ceil((size - 1) / (fanout + 1)));
  const firstWorker = 1 + relays;
  const parent = (r: number): number => {
    if (r === 0) return -1;
    if (r < firstWorker) return 0;
    return relays === 0 ? 0 : 1 + ((r - firstWorker) % relays);
  };
  const children = (r: number): number[] => {
    if (r === 0) return Array.from({ length: relays === 0 ? size - 1 : relays }, (_, i) => i + 1);
    if (r >= firstWorker) return [];
    const out: number[] = [];
    for (let w = firstWorker + (r - 1); w < size; w += relays) out.push(w);
    return out;
  };
  return {
    size,
    subDispatchers: Array.from({ length: relays }, (_, i) => i + 1),
    role: (r) => (r === 0 ? 'root' : r < firstWorker ? 'relay' : 'worker'),
    parent,
    children,
    workersBelow: (r) => (r === 0 ? size - firstWorker : r < firstWorker ? children(r).length : 0),
  };
}
