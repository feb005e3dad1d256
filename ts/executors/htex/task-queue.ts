/** A task waiting in the interchange: its body stays an opaque buffer. */
export interface QueuedTask {
  readonly id: number;
  readonly buf: Buffer;
  readonly fnId: string;
  /** Lower runs first; `null` after every prioritised task. */
  readonly priority: number | null;
  readonly seq: number;
}

/**
 * The interchange's pending tasks: prioritised ones in a binary heap ordered by (priority, arrival), and
 * unprioritised ones in a FIFO that is served only when the heap is empty. The common all-unprioritised case costs
 * O(1) per task.
 */
export class TaskQueue {
  #heap: QueuedTask[] = [];
  #fifo: QueuedTask[] = [];
  #head = 0;
  #seq = 0;

  get size(): number {
    return this.#heap.length + this.#fifo.length - this.#head;
  }

  push(id: number, buf: Buffer, fnId: string, priority: number | null): void {
    const t: QueuedTask = { id, buf, fnId, priority, seq: this.#seq++ };
    if (priority === null) this.#fifo.push(t);
    else this.#heapPush(t);
  }

  /** Put tasks back at the front (e.g. a dispatch that could not be sent), keeping their order. */
  unshift(tasks: readonly QueuedTask[]): void {
    for (const t of tasks) {
      if (t.priority === null) {
        if (this.#head > 0) this.#fifo[--this.#head] = t;
        else this.#fifo.unshift(t);
      } else this.#heapPush(t);
    }
  }

  shift(): QueuedTask | undefined {
    if (this.#heap.length > 0) return this.#heapPop();
    if (this.#head >= this.#fifo.length) return undefined;
    const t = this.#fifo[this.#head++]!;
    if (this.#head === this.#fifo.length) {
      this.#fifo = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#fifo.length) {
      this.#fifo = this.#fifo.slice(this.#head);
      this.#head = 0;
    }
    return t;
  }

  #less(a: QueuedTask, b: QueuedTask): boolean {
    return a.priority! < b.priority! || (a.priority === b.priority && a.seq < b.seq);
  }

  #heapPush(t: QueuedTask): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #heapPop(): QueuedTask {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
