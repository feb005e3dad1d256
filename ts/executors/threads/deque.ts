/**
 * A growable ring buffer: O(1) push, pop, shift and unshift. The pool's queue and each thread's in-flight list
 * take hundreds of thousands of tasks, where `Array.prototype.shift` would be O(n) per completion.
 */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }

  push(v: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = v;
    this.#size++;
  }

  unshift(v: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#items.length - 1);
    this.#items[this.#head] = v;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const v = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return v;
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    this.#size--;
    const i = (this.#head + this.#size) & (this.#items.length - 1);
    const v = this.#items[i];
    this.#items[i] = undefined;
    return v;
  }

  peekLast(): T | undefined {
    return this.#size === 0
      ? undefined
      : this.#items[(this.#head + this.#size - 1) & (this.#items.length - 1)];
  }

  /** The element at `i` from the front (0 = oldest), or undefined out of range. */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#size ? undefined : this.#items[(this.#head + i) & (this.#items.length - 1)];
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Remove and return every element, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let v = this.shift(); v !== undefined; v = this.shift()) out.push(v);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
