import type { ArcInner } from '../arc/arc-inner.js';

/**
 * The arcs waiting for page-out, first in first out. Page-outs take from its head a batch at a
 * time, so a page-out on the caller's stack and one in flight off it share one queue, and an arc
 * leaves it only when a batch is about to encode it. A run takes only arcs queued before its
 * mark (a count of `pushed`): a page-out that awaits its writes does not chase a producer that
 * keeps queueing meanwhile.
 */
export class PageOutQueue {
  #items: Array<ArcInner | undefined> = [];
  #head = 0;
  /** Arcs queued since the storage opened; the arc queued n-th is taken n-th. */
  pushed = 0;

  /** Arcs in the queue. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Arcs taken since the storage opened. */
  get taken(): number {
    return this.pushed - this.length;
  }

  /** Queues an arc (the caller checked it is not queued already). */
  push(inner: ArcInner): void {
    inner.scheduled = true;
    this.#items.push(inner);
    this.pushed++;
  }

  /** True when an arc queued before `mark` is still waiting. */
  hasBefore(mark: number): boolean {
    return this.#head < this.#items.length && this.taken < mark;
  }

  /** The next arc queued before `mark`, out of the queue now; undefined when there is none. */
  take(mark: number): ArcInner | undefined {
    if (!this.hasBefore(mark)) return undefined;
    const inner = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined;
    // Drop the taken prefix once it is half the array: amortised O(1) an arc.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    inner.scheduled = false;
    return inner;
  }

  /** Arcs queued that still need writing (resident, no key). */
  pending(): number {
    let n = 0;
    for (let i = this.#head; i < this.#items.length; i++) {
      const inner = this.#items[i]!;
      if (inner.key === undefined && inner.resident) n++;
    }
    return n;
  }

  /** Empties the queue (the storage closed): its arcs stay resident, unqueued. */
  clear(): void {
    for (let i = this.#head; i < this.#items.length; i++) this.#items[i]!.scheduled = false;
    this.pushed -= this.length;
    this.#items = [];
    this.#head = 0;
  }
}
