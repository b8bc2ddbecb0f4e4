import { blake3_128 } from './blake3.js';
import { CHUNK_BYTES, LITTLE_ENDIAN, blake3ChunkInto } from './blake3-chunk.js';
import { type DataKey, type PagableData, keyFromBytes } from './data.js';

/*
 * Blobs laid out the way their keys are computed: per blob, in some byte slab,
 *
 *   frame:  u64 LE child count  |  data  |  child keys, 16 bytes each
 *
 * which is exactly what computeKey hashes, so a blob framed this way is named where it lies
 * (`frameKey`) and a batch of them reaches a store with nothing made per blob: no key string, no
 * `PagableData`, no copy. A page-out writes its blobs framed (the writer keeps the head and the
 * tail free until the children have keys); stores that copy bytes take a `BlobBatch` as it is,
 * others get `BlobEntry` objects made from it.
 */

/** Bytes before the data in a frame: the child count. */
export const FRAME_HEAD = 8;

/** Writes the child count `n` into the frame at `at`. */
export function writeFrameHead(slab: Uint8Array, at: number, n: number): void {
  slab[at] = n & 0xff;
  slab[at + 1] = (n >>> 8) & 0xff;
  slab[at + 2] = (n >>> 16) & 0xff;
  slab[at + 3] = n >>> 24;
  slab[at + 4] = slab[at + 5] = slab[at + 6] = slab[at + 7] = 0;
}

/**
 * Writes the key of the framed blob at `at` (data of `length` bytes, `n` child keys) into `out` at
 * `outAt`: computeKey, byte for byte. `words` views `slab` as 32-bit words from its first byte
 * (see blake3ChunkInto), when the caller has one.
 */
export function frameKey(
  slab: Uint8Array,
  at: number,
  length: number,
  n: number,
  out: Uint8Array,
  outAt: number,
  words?: Int32Array,
): void {
  const total = FRAME_HEAD + length + 16 * n;
  if (total <= CHUNK_BYTES) {
    blake3ChunkInto(slab, at, total, out, outAt, LITTLE_ENDIAN && (slab.byteOffset & 3) === 0 ? words : undefined);
  } else {
    out.set(blake3_128([new Uint8Array(slab.buffer, slab.byteOffset + at, total)]), outAt);
  }
  // The Rust crate keeps the first 8 bytes non-zero (they back a NonZeroU64 niche); match it exactly.
  for (let i = 0; i < 8; i++) if (out[outAt + i] !== 0) return;
  out[outAt] = 1;
}

/** Blobs framed for their keys (see the top of this file), with their keys: what a page-out writes. */
export class BlobBatch {
  /** Blobs in the batch. */
  count = 0;
  /**
   * The slabs the frames lie in, each once per run of consecutive blobs in it (a page-out fills a
   * few 64 KB slabs with thousands of blobs): blob i's is `slabList[slabOf[i]]`, see `slab(i)`.
   */
  readonly slabList: Uint8Array[] = [];
  /*
   * Per blob, in typed arrays grown by doubling: a JS array regrown to 100k entries each page-out
   * costs more than the page-out's own bookkeeping (each growth a fresh backing store, filled,
   * copied, and counted against the next major GC); these are memcpy'd off the JS heap.
   */
  /** Per blob: its slab's index in `slabList`, where its frame starts, its data's length, its child count. */
  slabOf: Int32Array = new Int32Array(64);
  at: Int32Array = new Int32Array(64);
  length: Int32Array = new Int32Array(64);
  children: Int32Array = new Int32Array(64);
  /** Per blob, its key's 16 bytes at 16 * i. */
  keys = new Uint8Array(16 * 64);
  /** Per blob, set by the store that wrote the batch: 1 where the blob was absent and is now written. */
  written = new Uint8Array(64);
  /** The sum of the blobs' data lengths. */
  bytes = 0;
  /** The slab of the last blob added (slabList's last), so that a run of blobs in one slab adds it once. */
  private lastSlab: Uint8Array = EMPTY;

  /** Adds the framed blob at `at` of `slab`, whose key is `keys[keyAt, keyAt + 16)`. */
  add(slab: Uint8Array, at: number, length: number, n: number, keys: Uint8Array, keyAt: number): void {
    const i = this.count++;
    if (i === this.at.length) this.grow(2 * i);
    if (slab !== this.lastSlab) {
      this.slabList.push(slab);
      this.lastSlab = slab;
    }
    this.slabOf[i] = this.slabList.length - 1;
    this.at[i] = at;
    this.length[i] = length;
    this.children[i] = n;
    this.bytes += length;
    const to = 16 * i;
    const k = this.keys;
    for (let b = 0; b < 16; b++) k[to + b] = keys[keyAt + b]!;
  }

  /** The slab holding blob `i`'s frame. */
  slab(i: number): Uint8Array {
    return this.slabList[this.slabOf[i]!]!;
  }

  /** Room for `capacity` blobs, the blobs so far kept (`written` is the store's, refilled per write). */
  private grow(capacity: number): void {
    this.slabOf = grown(this.slabOf, capacity);
    this.at = grown(this.at, capacity);
    this.length = grown(this.length, capacity);
    this.children = grown(this.children, capacity);
    this.keys = grown(this.keys, 16 * capacity);
    this.written = new Uint8Array(capacity);
  }

  /** Blob `i`'s key. */
  key(i: number): DataKey {
    return keyFromBytes(this.keys, 16 * i);
  }

  /** Blob `i` as a `PagableData` of its own (copied: the batch's slabs are reused). */
  data(i: number): PagableData {
    const slab = this.slab(i);
    const start = this.at[i]! + FRAME_HEAD;
    const end = start + this.length[i]!;
    const arcs = new Array<DataKey>(this.children[i]!);
    for (let c = 0; c < arcs.length; c++) arcs[c] = keyFromBytes(slab, end + 16 * c);
    // Uint8Array's slice, which copies: a slab may be a Buffer, whose slice is a view of it.
    return { data: Uint8Array.prototype.slice.call(slab, start, end), arcs };
  }

  /** Forgets the blobs, keeping room for the next batch up to `keep` blobs. */
  clear(keep = Infinity): void {
    if (this.at.length > keep) {
      this.slabOf = new Int32Array(64);
      this.at = new Int32Array(64);
      this.length = new Int32Array(64);
      this.children = new Int32Array(64);
      this.keys = new Uint8Array(16 * 64);
      this.written = new Uint8Array(64);
    }
    this.slabList.length = 0;
    this.lastSlab = EMPTY;
    this.count = 0;
    this.bytes = 0;
  }
}

/** `a` in a fresh typed array of `capacity` elements (its first `capacity` if shorter): how typed lists grow by doubling. */
export function grown<A extends Uint8Array | Int32Array>(a: A, capacity: number): A {
  const b = new (a.constructor as new (n: number) => A)(capacity);
  b.set(capacity >= a.length ? a : a.subarray(0, capacity));
  return b;
}

const EMPTY = new Uint8Array(0);
