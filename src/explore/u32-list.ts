/** A growable list of unsigned 32-bit integers: the index's edge lists, without a JS number array's 8+ bytes a slot. */
export class U32List {
  #items: Uint32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.#items = new Uint32Array(Math.max(16, capacity));
  }

  push(v: number): void {
    if (this.length === this.#items.length) {
      const grown = new Uint32Array(this.#items.length * 2);
      grown.set(this.#items);
      this.#items = grown;
    }
    this.#items[this.length++] = v;
  }

  /** Item `i` (no bounds check beyond the typed array's). */
  at(i: number): number {
    return this.#items[i]!;
  }

  /** The items, trimmed to their length (a copy; the list can be dropped). */
  finish(): Uint32Array {
    return this.#items.slice(0, this.length);
  }
}
