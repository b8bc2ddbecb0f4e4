/*
 * The key index of MemoryBlobStore: an open-addressing hash table (linear probing) in one
 * Uint32Array, three words a slot: the key's first 4 bytes, chunk number + 1 (0: empty), and the
 * offset of the record in that chunk. Keys are BLAKE3 output, so their first bytes are a hash as
 * they are; the stored word lets a probe skip other keys, and a rehash or a deletion's backward
 * shift run without touching the arena. A match is confirmed against the 16 key bytes that
 * follow the record's 4-byte header in its chunk. No tombstones: deletion shifts the probe run back.
 */

import { readU32 } from './arena-record.js';

/** The index grows (doubles) past this load factor. */
const MAX_LOAD = 0.8;
/** The smallest table. */
export const MIN_SLOTS = 256;

/** The smallest power-of-two slot count that holds `n` keys within MAX_LOAD. */
export function slotsFor(n: number): number {
  let slots = MIN_SLOTS;
  while (n > slots * MAX_LOAD) slots *= 2;
  return slots;
}

/** Slots of `(key hash, chunk, offset)`; the chunks themselves belong to the store. */
export class KeyIndex {
  table = new Uint32Array(3 * MIN_SLOTS);
  mask = MIN_SLOTS - 1;
  /** Keys past which the table should double. */
  growAt = Math.floor(MIN_SLOTS * MAX_LOAD);

  /** The number of slots. */
  get slots(): number {
    return this.mask + 1;
  }

  /** Chunk number of the record in `slot`. */
  chunkOf(slot: number): number {
    return this.table[3 * slot + 1]! - 1;
  }

  /** Offset of the record in `slot` within its chunk. */
  offsetOf(slot: number): number {
    return this.table[3 * slot + 2]!;
  }

  /** Fills empty `slot` (as returned, complemented, by `probe`). */
  set(slot: number, hash: number, chunk: number, offset: number): void {
    const t = this.table;
    t[3 * slot] = hash;
    t[3 * slot + 1] = chunk + 1;
    t[3 * slot + 2] = offset;
  }

  /**
   * The slot holding the 16 key bytes at `w` in `want`, or `~slot` of the empty slot where they
   * would go; `chunks` confirm a match (key bytes at record offset + 4).
   */
  probe(want: Uint8Array, w: number, chunks: ReadonlyArray<Uint8Array | undefined>): number {
    const hash = readU32(want, w);
    const t = this.table;
    const mask = this.mask;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const k = t[3 * s + 1]!;
      if (k === 0) return ~s;
      if (t[3 * s] !== hash) continue;
      const chunk = chunks[k - 1]!;
      const at = t[3 * s + 2]! + 4;
      let i = 4; // the first four bytes are the hash, equal already
      while (i < 16 && chunk[at + i] === want[w + i]) i++;
      if (i === 16) return s;
    }
  }

  /** Indexes a key known to be absent (rehash, compaction): no key comparisons needed. */
  insertFresh(hash: number, chunk: number, offset: number): void {
    const t = this.table;
    const mask = this.mask;
    let s = hash & mask;
    while (t[3 * s + 1] !== 0) s = (s + 1) & mask;
    this.set(s, hash, chunk, offset);
  }

  /** Empties `slot`, shifting later entries of its probe run back so every probe still finds them. */
  remove(slot: number): void {
    const t = this.table;
    const mask = this.mask;
    let hole = slot;
    for (let s = (slot + 1) & mask; t[3 * s + 1] !== 0; s = (s + 1) & mask) {
      const home = t[3 * s]! & mask;
      // An entry whose home lies cyclically in (hole, s] stays; any other may move into the hole.
      const stays = hole <= s ? hole < home && home <= s : hole < home || home <= s;
      if (stays) continue;
      t[3 * hole] = t[3 * s]!;
      t[3 * hole + 1] = t[3 * s + 1]!;
      t[3 * hole + 2] = t[3 * s + 2]!;
      hole = s;
    }
    t[3 * hole + 1] = 0;
  }

  /** Empties the index into a table of `slots` slots. */
  clear(slots: number): void {
    this.table = new Uint32Array(3 * slots);
    this.mask = slots - 1;
    this.growAt = Math.floor(slots * MAX_LOAD);
  }

  /** Rehashes every entry into a table of `slots` slots. */
  resize(slots: number): void {
    const old = this.table;
    this.clear(slots);
    for (let i = 0; i < old.length; i += 3) if (old[i + 1] !== 0) this.insertFresh(old[i]!, old[i + 1]! - 1, old[i + 2]!);
  }
}
