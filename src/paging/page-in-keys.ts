/**
 * The keys one page-in has met, as bytes: an open-addressing table (linear probing) over a byte
 * arena, so looking up a child key read from a blob makes no string and no map entry. Keys are
 * numbered in the order they were added (the page-in's per-key arrays use that number). Keys are
 * BLAKE3 digests, so their first four bytes are the hash. A finished page-in keeps the table for
 * the next one (`reset`), up to a bound.
 */
export class PageInKeys {
  /** Key i is bytes[16 i, 16 i + 16). */
  private bytes = new Uint8Array(16 * MIN_SLOTS);
  /** Per slot: key number + 1, or 0 when empty. */
  private slots = new Int32Array(2 * MIN_SLOTS);
  private mask = 2 * MIN_SLOTS - 1;
  /** How many keys are in. */
  count = 0;

  /** The bytes holding key i at [16 i, 16 i + 16) (replaced as the table grows: read it after adding). */
  get arena(): Uint8Array {
    return this.bytes;
  }

  /** The number of the key at `src[at, at + 16)`, or `~slot` of the empty slot where it would go. */
  find(src: Uint8Array, at: number): number {
    const { bytes, slots, mask } = this;
    let s = (src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24)) & mask;
    for (;;) {
      const e = slots[s]!;
      if (e === 0) return ~s;
      const o = 16 * (e - 1);
      let i = 0;
      while (i < 16 && bytes[o + i] === src[at + i]) i++;
      if (i === 16) return e - 1;
      s = (s + 1) & mask;
    }
  }

  /** Adds the key at `src[at, at + 16)` in empty slot `slot` (from `find`, nothing added since); its number. */
  add(slot: number, src: Uint8Array, at: number): number {
    const k = this.count++;
    if (16 * this.count > this.bytes.length) {
      const grown = new Uint8Array(2 * this.bytes.length);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    const o = 16 * k;
    for (let i = 0; i < 16; i++) this.bytes[o + i] = src[at + i]!;
    this.slots[slot] = k + 1;
    // At most half full: probes stay short.
    if (2 * this.count > this.slots.length) this.rehash(2 * this.slots.length);
    return k;
  }

  /** Empties the table; one grown past `keep` keys is dropped for a small one. */
  reset(keep: number): void {
    if (this.slots.length > 2 * keep) {
      this.bytes = new Uint8Array(16 * MIN_SLOTS);
      this.slots = new Int32Array(2 * MIN_SLOTS);
      this.mask = 2 * MIN_SLOTS - 1;
    } else if (this.count > 0) {
      this.slots.fill(0);
    }
    this.count = 0;
  }

  private rehash(n: number): void {
    const slots = new Int32Array(n);
    const mask = n - 1;
    const b = this.bytes;
    for (let k = 0; k < this.count; k++) {
      const o = 16 * k;
      let s = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = k + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** The smallest table: a run of a few keys (a small lazy pin) needs no more. */
const MIN_SLOTS = 64;
