import { type DataKey, writeKeyBytes } from '../keys/data.js';
import { PageInKeys } from './page-in-keys.js';

/**
 * The blobs a storage handle has written or read, with their data lengths, for stores that cannot
 * count themselves (Redis; LMDB opened with `countAtOpen: false`): what `stats()` counts there.
 * Keys are kept as bytes in a page-in's key table (~32 B a key, with its slots and length), so a
 * read through the byte path (`viewSyncAt`) makes no key string and no map entry: as a `Map` of key
 * strings this bookkeeping was 15% of an LMDB load of 100k tiny blobs, and ~100 B per key it met.
 * A forgotten blob (deleted by gc) keeps its key with length -1, and counts again if met again.
 */
export class KnownBlobs {
  readonly #keys = new PageInKeys();
  /** Per key number: the blob's data length, or -1 once forgotten. */
  #lengths = new Float64Array(64);
  readonly #scratch = new Uint8Array(16);

  /** Notes the blob with key `src[at, at + 16)` and `length` data bytes; true when it was not known. */
  learn(src: Uint8Array, at: number, length: number): boolean {
    const keys = this.#keys;
    const found = keys.find(src, at);
    if (found >= 0) {
      if (this.#lengths[found]! >= 0) return false;
      this.#lengths[found] = length;
      return true;
    }
    const k = keys.add(~found, src, at);
    if (k === this.#lengths.length) {
      const grown = new Float64Array(2 * k);
      grown.set(this.#lengths);
      this.#lengths = grown;
    }
    this.#lengths[k] = length;
    return true;
  }

  /** `learn` by key string; false for a string that is not a key (nothing noted). */
  learnKey(key: DataKey, length: number): boolean {
    return writeKeyBytes(key, this.#scratch) && this.learn(this.#scratch, 0, length);
  }

  /** Forgets blob `key` (deleted); the data length it was known with, or undefined if it was not known. */
  forget(key: DataKey): number | undefined {
    if (!writeKeyBytes(key, this.#scratch)) return undefined;
    const k = this.#keys.find(this.#scratch, 0);
    if (k < 0) return undefined;
    const length = this.#lengths[k]!;
    if (length < 0) return undefined;
    this.#lengths[k] = -1;
    return length;
  }
}
