/* Blobs for the memory blob store's tests: many distinct ones, derived from a number, and a fast comparison. */
import { expect } from 'chai';
import { type DataKey, type PagableData, keyFromBytes } from '../../src/keys/data.js';
import type { MemoryBlobStore } from '../../src/blobstore/memory/memory-blob-store.js';

/** murmur3's finalizer: a bijection on 32-bit integers that spreads every input bit. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniformly spread key, distinct for each `i` (its first word is a bijection of `i`). */
export function keyOf(i: number): DataKey {
  for (let w = 0; w < 4; w++) {
    const x = mix32(i + w * 0x9e3779b9);
    for (let j = 0; j < 4; j++) KEY[4 * w + j] = x >>> (8 * j);
  }
  return keyFromBytes(KEY);
}
const KEY = new Uint8Array(16);

/** The blob number `i` of a run: 20-60 data bytes and 0-2 children, all derived from `i`. */
export function blobOf(i: number): { key: DataKey; data: PagableData } {
  const r = mix32(i ^ 0x5bd1e995);
  const data = new Uint8Array(20 + (r % 41));
  for (let j = 0; j < data.length; j++) data[j] = (i + j * 7) & 0xff;
  const arcs: DataKey[] = [];
  for (let c = (r >>> 8) % 3; c > 0; c--) arcs.push(keyOf(i + 1_000_000_000 * c));
  return { key: keyOf(i), data: { data, arcs } };
}

/** Stores blobs `from..to-1` of `blobOf` in batches of 1000. */
export function fill(s: MemoryBlobStore, from: number, to: number): void {
  for (let i = from; i < to; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) batch.push(blobOf(j));
    s.putMany(batch);
  }
}

/** `got` holds `want`'s bytes and children. */
export function expectBlob(got: PagableData | undefined, want: PagableData): void {
  // The quick check first: chai's deep comparison is slow over hundreds of thousands of blobs.
  if (
    got !== undefined &&
    Buffer.from(got.data.buffer, got.data.byteOffset, got.data.length).equals(want.data) &&
    got.arcs.length === want.arcs.length &&
    got.arcs.every((a, i) => a === want.arcs[i])
  )
    return;
  expect(got, 'blob present').to.not.equal(undefined);
  expect(Buffer.from(got!.data).equals(want.data)).to.equal(true);
  expect(got!.arcs).to.deep.equal(want.arcs);
}
