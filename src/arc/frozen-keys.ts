import type { DataKey } from '../keys/data.js';

/**
 * Re-save without re-work: on a storage with `freeze: true`, the key each frozen object was stored
 * under or loaded from, so that saving it again into the same storage refers to that key instead of
 * encoding it again (a frozen object, and everything it reaches, cannot have changed). Only objects
 * whose whole blob subgraph is immutable are recorded: one holding a typed array (which cannot be
 * frozen), or reaching one through other blobs, is encoded every time.
 *
 * Held weakly: an entry lives as long as its object. A gc may delete the blob behind an entry (an
 * unrooted graph is garbage), so every gc forgets them all (`forget`); stores that other handles
 * sweep are checked again when the graph is committed (paging/page-out-commit.ts).
 */
export class FrozenKeys {
  #keys = new WeakMap<object, DataKey>();

  /** The key `o` was stored under or loaded from in this storage, if recorded. */
  keyOf(o: object): DataKey | undefined {
    return this.#keys.get(o);
  }

  record(o: object, key: DataKey): void {
    this.#keys.set(o, key);
  }

  /** Forgets every entry (a gc may have deleted their blobs). */
  forget(): void {
    this.#keys = new WeakMap();
  }
}
