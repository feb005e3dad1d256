/**
 * How many of `pending` tasks each worker of a pool gets, given what each already holds (`loads`) and how many a
 * worker may hold (`depth`): water-filling, least-loaded first, so an idle worker always gets work before a task
 * is queued behind a busy one (a task queued there waits for the running one, however long it takes). Ties go to
 * the lower index. Returns the shares and the worker indices from least to most loaded (the order in which to
 * hand out the queue's head). O(w log w) for w workers, whatever `pending` is.
 */
export function shareOut(
  loads: readonly number[],
  depth: number,
  pending: number,
): { give: number[]; order: number[] } {
  const n = loads.length;
  const give = new Array<number>(n).fill(0);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => loads[a]! - loads[b]! || a - b);
  const load = (j: number) => loads[order[j]!]!;
  if (n === 0 || pending <= 0 || load(0) >= depth) return { give, order };
  // Raise the k least-loaded workers together to `level`, one step (the next worker's load, or depth) at a time.
  let left = pending;
  let level = load(0);
  let k = 0;
  for (;;) {
    while (k < n && load(k) <= level) k++;
    const next = k < n ? Math.min(depth, load(k)) : depth;
    if (next <= level) break;
    const room = k * (next - level);
    if (room >= left) {
      level += Math.floor(left / k);
      const extra = left % k;
      for (let j = 0; j < k; j++) give[order[j]!] = level - load(j) + (j < extra ? 1 : 0);
      return { give, order };
    }
    left -= room;
    level = next;
  }
  for (let j = 0; j < k; j++) give[order[j]!] = level - load(j);
  return { give, order };
}
