import type { ResolvedMPISpec } from './resource-spec.js';

/**
 * Slots (cores) of each node of a block, handed to MPI tasks and taken back. A task needs `ranksPerNode` free
 * slots on each of `numNodes` nodes, so small tasks share a node (Parsl #3927). Tasks start in arrival order:
 * when the oldest waiting task does not fit, nothing behind it starts, so a large task is never starved by a
 * stream of small ones; it waits only for running tasks to end.
 */
export class NodeAccounting<T> {
  readonly #free: Map<string, number>;
  readonly #backlog: { spec: ResolvedMPISpec; item: T }[] = [];

  constructor(nodes: readonly string[], slotsPerNode: number) {
    this.#free = new Map(nodes.map((n) => [n, slotsPerNode]));
  }

  get backlog(): number {
    return this.#backlog.length;
  }

  freeSlots(node: string): number {
    return this.#free.get(node) ?? 0;
  }

  enqueue(spec: ResolvedMPISpec, item: T): void {
    this.#backlog.push({ spec, item });
  }

  /** Starts as many waiting tasks as fit, oldest first; returns them with their nodes. */
  schedule(): { item: T; spec: ResolvedMPISpec; nodes: string[] }[] {
    const started: { item: T; spec: ResolvedMPISpec; nodes: string[] }[] = [];
    while (this.#backlog.length > 0) {
      const head = this.#backlog[0]!;
      const nodes = this.#fit(head.spec);
      if (nodes === null) break;
      for (const n of nodes) this.#free.set(n, this.#free.get(n)! - head.spec.ranksPerNode);
      this.#backlog.shift();
      started.push({ ...head, nodes });
    }
    return started;
  }

  release(spec: ResolvedMPISpec, nodes: readonly string[]): void {
    for (const n of nodes) this.#free.set(n, (this.#free.get(n) ?? 0) + spec.ranksPerNode);
  }

  /** Fullest nodes that still fit first, so partly used nodes fill up and whole nodes stay whole. */
  #fit(spec: ResolvedMPISpec): string[] | null {
    const fits = [...this.#free.entries()]
      .filter(([, f]) => f >= spec.ranksPerNode)
      .sort((a, b) => a[1] - b[1]);
    return fits.length < spec.numNodes ? null : fits.slice(0, spec.numNodes).map(([n]) => n);
  }
}
