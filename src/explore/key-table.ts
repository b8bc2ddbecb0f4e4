import { type DataKey, keyFromBytes, writeKeyBytes } from '../keys/data.js';

/** Key bytes. */
const W = 16;

/**
 * Every key of a store in key order, as 16 bytes each (not a ~60-byte string): a million keys
 * take 16 MB, and a key's position (its index everywhere in the explorer's index) is found by
 * binary search. Keys are hashes, so two of them almost always differ in their first byte or two.
 */
export class KeyTable {
  readonly #bytes: Uint8Array;
  /** Number of keys. */
  readonly size: number;
  /** Scratch for the key being looked up. */
  readonly #probe = new Uint8Array(W);

  private constructor(bytes: Uint8Array, size: number) {
    this.#bytes = bytes;
    this.size = size;
  }

  /** A table of the keys `keys` collected, sorted here unless they arrived sorted (LMDB lists them in order). */
  static from(keys: KeyTableBuilder): KeyTable {
    return new KeyTable(keys.finish(), keys.size);
  }

  /** The key at position `i`. */
  key(i: number): DataKey {
    return keyFromBytes(this.#bytes, i * W);
  }

  /** The position of `key`, or -1 (also for a string that is not a key). */
  indexOf(key: DataKey): number {
    if (!writeKeyBytes(key, this.#probe)) return -1;
    const at = this.#lowerBound(this.#probe);
    return at < this.size && compareAt(this.#bytes, at * W, this.#probe) === 0 ? at : -1;
  }

  /** The first position whose key is >= `prefix` padded with zeros (lowercase hex, up to 32 chars). */
  lowerBound(prefix: string): number {
    if (!writeKeyBytes(prefix.padEnd(32, '0'), this.#probe)) return this.size;
    return this.#lowerBound(this.#probe);
  }

  #lowerBound(probe: Uint8Array): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(this.#bytes, mid * W, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes this table takes. */
  get byteLength(): number {
    return this.#bytes.byteLength;
  }
}

/** Collects keys for a KeyTable; notices whether they arrive in order. */
export class KeyTableBuilder {
  #bytes = new Uint8Array(W * 1024);
  size = 0;
  #sorted = true;

  /** Adds one key (each key once). */
  push(key: DataKey): void {
    if ((this.size + 1) * W > this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    const o = this.size * W;
    if (!writeKeyBytes(key, this.#bytes, o)) return;
    if (this.#sorted && this.size > 0 && compareAt(this.#bytes, o - W, this.#bytes.subarray(o, o + W)) > 0) this.#sorted = false;
    this.size++;
  }

  /** The bytes, trimmed and in key order. */
  finish(): Uint8Array {
    const bytes = this.#bytes.slice(0, this.size * W);
    if (this.#sorted) return bytes;
    // Stores that list keys unordered (memory, Redis): order an index, then permute.
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((x, y) => compareAt(bytes, x * W, bytes.subarray(y * W, y * W + W)));
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < order.length; i++) out.set(bytes.subarray(order[i]! * W, order[i]! * W + W), i * W);
    return out;
  }
}

/** Compares the key at `bytes[o..o+16)` with `probe`. */
function compareAt(bytes: Uint8Array, o: number, probe: Uint8Array): number {
  for (let i = 0; i < W; i++) {
    const d = bytes[o + i]! - probe[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
