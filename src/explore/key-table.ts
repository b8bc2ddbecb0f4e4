import type { DataKey } from '../keys/data.js';

/**
 * Every key of a store in key order, as four 32-bit words per key (16 bytes, not a ~60-byte
 * string): a million keys take 16 MB, and a key's position (its index everywhere in the
 * explorer's index) is found by binary search. Word-by-word unsigned order is hex order.
 */
export class KeyTable {
  readonly #words: Uint32Array;
  /** Number of keys. */
  readonly size: number;

  private constructor(words: Uint32Array, size: number) {
    this.#words = words;
    this.size = size;
  }

  /** A table of `keys`, sorted here unless they arrive sorted (LMDB lists them in order). */
  static from(keys: KeyTableBuilder): KeyTable {
    return new KeyTable(keys.finish(), keys.size);
  }

  /** The key at position `i`. */
  key(i: number): DataKey {
    const w = this.#words;
    const o = i * 4;
    return hex8(w[o]!) + hex8(w[o + 1]!) + hex8(w[o + 2]!) + hex8(w[o + 3]!);
  }

  /** The position of `key`, or -1. */
  indexOf(key: DataKey): number {
    const a = parseWord(key, 0);
    const b = parseWord(key, 1);
    const c = parseWord(key, 2);
    const d = parseWord(key, 3);
    const w = this.#words;
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * 4;
      const cmp = cmp4(w[o]!, w[o + 1]!, w[o + 2]!, w[o + 3]!, a, b, c, d);
      if (cmp === 0) return mid;
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The first position whose key is >= `prefix` padded with zeros (lowercase hex, up to 32 chars). */
  lowerBound(prefix: string): number {
    const full = prefix.padEnd(32, '0');
    const a = parseWord(full, 0);
    const b = parseWord(full, 1);
    const c = parseWord(full, 2);
    const d = parseWord(full, 3);
    const w = this.#words;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * 4;
      if (cmp4(w[o]!, w[o + 1]!, w[o + 2]!, w[o + 3]!, a, b, c, d) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes this table takes. */
  get byteLength(): number {
    return this.#words.byteLength;
  }
}

/** Collects keys for a KeyTable; notices whether they arrive in order. */
export class KeyTableBuilder {
  #words = new Uint32Array(4 * 1024);
  size = 0;
  #sorted = true;
  #last = '';

  /** Adds one key (each key once). */
  push(key: DataKey): void {
    if (this.#sorted && key < this.#last) this.#sorted = false;
    this.#last = key;
    if ((this.size + 1) * 4 > this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    const o = this.size * 4;
    for (let i = 0; i < 4; i++) this.#words[o + i] = parseWord(key, i);
    this.size++;
  }

  /** The words, trimmed and in key order. */
  finish(): Uint32Array {
    const words = this.#words.slice(0, this.size * 4);
    if (this.#sorted) return words;
    // Stores that list keys unordered (memory, Redis): order an index, then permute the words.
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((x, y) => {
      const p = x * 4;
      const q = y * 4;
      return cmp4(words[p]!, words[p + 1]!, words[p + 2]!, words[p + 3]!, words[q]!, words[q + 1]!, words[q + 2]!, words[q + 3]!);
    });
    const out = new Uint32Array(words.length);
    for (let i = 0; i < order.length; i++) out.set(words.subarray(order[i]! * 4, order[i]! * 4 + 4), i * 4);
    return out;
  }
}

function cmp4(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): number {
  if (a0 !== b0) return a0 < b0 ? -1 : 1;
  if (a1 !== b1) return a1 < b1 ? -1 : 1;
  if (a2 !== b2) return a2 < b2 ? -1 : 1;
  if (a3 !== b3) return a3 < b3 ? -1 : 1;
  return 0;
}

function parseWord(hex: string, i: number): number {
  return Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
}

function hex8(w: number): string {
  return w.toString(16).padStart(8, '0');
}
