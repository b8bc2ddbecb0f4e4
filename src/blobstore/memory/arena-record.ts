/*
 * The record MemoryBlobStore appends to its arena chunks for each blob:
 *
 *   u32 LE header (bit 31: dead; bits 0..30: length L of the blob record) | 16 key bytes |
 *   blob record (blob-record.ts: varint child count, 16 bytes per child key, data), L bytes
 *
 * Deleting a blob sets the dead bit in its header and never touches the record after it, which is
 * what lets `viewSync` hand out views of records.
 */

/** Header and key in front of each blob record. */
export const RECORD_HEAD = 20;
/** The header bit of a deleted record. */
export const DEAD = 0x8000_0000;
/** The header bits holding the blob record's length. */
export const LENGTH_MASK = 0x7fff_ffff;

/** The little-endian u32 at `at`. */
export function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Writes `v` as a little-endian u32 at `at`. */
export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}

/** What the store holds in memory, for benchmarks and diagnostics. */
export interface MemoryFootprint {
  /** Arena chunks allocated. */
  chunks: number;
  /** Bytes of all arena chunks (allocated, not only filled). */
  arenaBytes: number;
  /** Arena bytes held by live records (headers and keys included). */
  liveBytes: number;
  /** Arena bytes held by deleted records, until compaction or their chunk's drop reclaims them. */
  deadBytes: number;
  /** Bytes of the hash index. */
  indexBytes: number;
}
