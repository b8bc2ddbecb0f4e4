import { expect } from 'chai';
import type { DataKey, PagableData } from '../../../src/keys/data.js';
import { MemoryBlobStore } from '../../../src/blobstore/memory/memory-blob-store.js';
import { expectBlob, keyOf } from '../../support/memory-blobs.js';

/*
 * The memory store's arena (src/blobstore/memory/arena.ts): the chunks blobs are appended to, what
 * deleting gives back and when deletion compacts. Sizes are exact: a record is 20 bytes of header
 * and key, 1 byte of child count (no children here) and the data.
 */

const KIB = 1024;
const MIB = 1024 * KIB;

/** Blob `i` with a record of `record` bytes in the arena (data bytes derived from `i`). */
function sized(i: number, record: number): { key: DataKey; data: PagableData } {
  const data = new Uint8Array(record - 21);
  for (let j = 0; j < data.length; j += 61) data[j] = (i + j) & 0xff;
  data[data.length - 1] = i & 0xff;
  return { key: keyOf(i), data: { data, arcs: [] } };
}

/** Stores blobs `from..to-1`, each a `record`-byte record. */
function put(s: MemoryBlobStore, from: number, to: number, record: number): void {
  s.putMany(Array.from({ length: to - from }, (_, j) => sized(from + j, record)));
}

const del = (s: MemoryBlobStore, ids: number[]): number => s.deleteMany(ids.map(keyOf));

describe('MemoryBlobStore arena', () => {
  it('starts with a 64 KiB chunk and doubles each new chunk up to 1 MiB', () => {
    const s = new MemoryBlobStore();
    const added: number[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 4 * MIB; i++) {
      put(s, i, i + 1, 1000);
      const now = s.footprint().arenaBytes;
      if (now !== bytes) added.push(now - bytes);
      bytes = now;
    }
    expect(added).to.deep.equal([64 * KIB, 128 * KIB, 256 * KIB, 512 * KIB, MIB, MIB, MIB, MIB]);
    expect(s.footprint().chunks).to.equal(8);
  });

  it('gives a record over 256 KiB a chunk of exactly its size; one of 256 KiB shares the chunk sequence', () => {
    const s = new MemoryBlobStore();
    put(s, 0, 1, 100);
    expect(s.footprint().arenaBytes).to.equal(64 * KIB);
    put(s, 1, 2, 256 * KIB + 1);
    expect(s.footprint().arenaBytes).to.equal(64 * KIB + 256 * KIB + 1);
    // Small blobs go on filling the first chunk.
    put(s, 2, 3, 100);
    expect(s.footprint().arenaBytes).to.equal(64 * KIB + 256 * KIB + 1);

    const t = new MemoryBlobStore();
    put(t, 0, 1, 100);
    put(t, 1, 2, 256 * KIB); // does not fit the first chunk: the next chunk, as large as the record
    expect(t.footprint().arenaBytes).to.equal(64 * KIB + 256 * KIB);
    put(t, 2, 3, 100); // that chunk is full: a third one
    expect(t.footprint().chunks).to.equal(3);
    for (const [store, big] of [
      [s, 256 * KIB + 1],
      [t, 256 * KIB],
    ] as const) {
      expectBlob(store.getSync(keyOf(0)), sized(0, 100).data);
      expectBlob(store.getSync(keyOf(1)), sized(1, big).data);
      expectBlob(store.getSync(keyOf(2)), sized(2, 100).data);
    }
  });

  it('reuses the current chunk when everything in it was deleted: put and delete forever stays at 64 KiB', () => {
    const s = new MemoryBlobStore();
    for (let i = 0; i < 500; i++) {
      put(s, i, i + 1, 1000);
      expect(del(s, [i])).to.equal(1000 - 21);
    }
    expect(s.footprint()).to.deep.include({ chunks: 1, arenaBytes: 64 * KIB, liveBytes: 0, deadBytes: 0 });
    put(s, 0, 3, 1000);
    for (let i = 0; i < 3; i++) expectBlob(s.getSync(keyOf(i)), sized(i, 1000).data);
  });

  it('drops an older chunk as soon as every blob in it is deleted, and reuses its place', () => {
    const s = new MemoryBlobStore();
    put(s, 0, 190, 1000); // 65 in the 64 KiB chunk, the rest in the 128 KiB one
    const first = Array.from({ length: 65 }, (_, i) => i);
    expect(del(s, first.slice(0, 64))).to.equal(64 * 979);
    expect(s.footprint()).to.deep.include({ arenaBytes: 192 * KIB, deadBytes: 64 * 1000 });
    del(s, [64]);
    expect(s.footprint()).to.deep.include({ chunks: 1, arenaBytes: 128 * KIB, deadBytes: 0, liveBytes: 125 * 1000 });
    for (let i = 65; i < 190; i++) expectBlob(s.getSync(keyOf(i)), sized(i, 1000).data);
    put(s, 190, 400, 1000);
    for (let i = 65; i < 400; i++) expectBlob(s.getSync(keyOf(i)), sized(i, 1000).data);
    expect([...s.keys()].length).to.equal(335);
  });

  it('compacts on deletion once dead bytes pass both 1 MiB and the live bytes, and not before', () => {
    // Every other blob deleted, so no chunk dies whole: dead equals live.
    const s = new MemoryBlobStore();
    put(s, 0, 2400, 1024);
    del(
      s,
      Array.from({ length: 1200 }, (_, i) => 2 * i),
    );
    expect(s.footprint()).to.deep.include({ liveBytes: 1200 * 1024, deadBytes: 1200 * 1024 });
    del(s, [1]);
    expect(s.footprint().deadBytes).to.equal(0);
    expect(s.footprint().liveBytes).to.equal(1199 * 1024);
    expect(s.footprint().arenaBytes).to.be.below(1.5 * MIB);
    for (let i = 0; i < 2400; i++) {
      if (i % 2 === 0 || i === 1) expect(s.getSync(keyOf(i))).to.equal(undefined);
      else expectBlob(s.getSync(keyOf(i)), sized(i, 1024).data);
    }

    // Exactly 1 MiB dead, against half as much live: no compaction; one more byte dead: compaction.
    const t = new MemoryBlobStore();
    put(t, 0, 1536, 1024);
    const doomed = Array.from({ length: 1536 }, (_, i) => i).filter((i) => i % 3 !== 2);
    del(t, doomed);
    expect(t.footprint()).to.deep.include({ liveBytes: 512 * 1024, deadBytes: MIB });
    del(t, [2]);
    expect(t.footprint()).to.deep.include({ liveBytes: 511 * 1024, deadBytes: 0 });
  });

  it('compact() copies live blobs out of chunks with dead ones, keeps fully live chunks, and returns the bytes released', () => {
    const s = new MemoryBlobStore();
    expect(s.compact()).to.equal(0);
    put(s, 0, 2000, 1000);
    const full = s.footprint();
    expect(s.compact()).to.equal(0);
    expect(s.footprint()).to.deep.equal(full);
    // Dead blobs only in the first two chunks (0-64, 65-195): the others are kept as they are.
    del(
      s,
      Array.from({ length: 98 }, (_, i) => 2 * i),
    );
    const before = s.footprint();
    expect(before.deadBytes).to.equal(98 * 1000);
    const released = s.compact();
    const after = s.footprint();
    expect(released).to.equal(before.arenaBytes - after.arenaBytes);
    expect(after).to.deep.include({ deadBytes: 0, liveBytes: 1902 * 1000 });
    expect(after.arenaBytes).to.be.below(before.arenaBytes);
    for (let i = 0; i < 2000; i++) {
      if (i < 196 && i % 2 === 0) expect(s.getSync(keyOf(i))).to.equal(undefined);
      else expectBlob(s.getSync(keyOf(i)), sized(i, 1000).data);
    }
    expect(new Set(s.keys()).size).to.equal(1902);
    put(s, 0, 2000, 1000);
    expect(s.count().blobs).to.equal(2000);
    for (let i = 0; i < 2000; i += 7) expectBlob(s.getSync(keyOf(i)), sized(i, 1000).data);
  });

  it('keys() yields each blob still present when reached, across deletions and the compactions they cause', () => {
    const s = new MemoryBlobStore();
    put(s, 0, 3000, 1000);
    const yielded = new Set<DataKey>();
    const deleted = new Set<DataKey>();
    for (const k of s.keys()) {
      expect(deleted.has(k), `${k} was deleted before it was reached`).to.equal(false);
      yielded.add(k);
      const later = keyOf((yielded.size * 7) % 3000);
      s.deleteMany([k, later]);
      deleted.add(k).add(later);
    }
    expect(s.count().blobs).to.equal(0);
    expect(yielded.size).to.be.above(1000).and.below(3000);
  });
});
