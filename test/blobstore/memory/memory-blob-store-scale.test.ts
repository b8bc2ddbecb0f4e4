import { expect } from 'chai';
import { type DataKey, type PagableData, keyFromBytes } from '../../../src/keys/data.js';
import { MemoryBlobStore } from '../../../src/blobstore/memory/memory-blob-store.js';
import { blobOf, expectBlob, fill } from '../../support/memory-blobs.js';

/*
 * The memory store at the sizes of a real page-out (hundreds of thousands of blobs, many chunks) and
 * its memory per blob. The same mechanisms at small sizes, exact at their boundaries, are in
 * arena.test.ts and key-index.test.ts: those are the ones a mutation run uses (these take a minute).
 */

/** Deterministic pseudo-random bytes (xorshift32), so every run stores the same blobs. */
class Bytes {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  u32(): number {
    let s = this.#s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (this.#s = s >>> 0);
  }
  int(n: number): number {
    return this.u32() % n;
  }
  key(): DataKey {
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) new DataView(b.buffer).setUint32(i, this.u32());
    return keyFromBytes(b);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

async function memoryInUse(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc!();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('MemoryBlobStore at scale (hundreds of thousands of blobs)', () => {
  describe('growth, large blobs and compaction', () => {
    it('holds 200k blobs across many chunks and index rehashes', () => {
      const s = new MemoryBlobStore();
      const n = 200_000;
      fill(s, 0, n);
      let bytes = 0;
      for (let i = 0; i < n; i++) bytes += blobOf(i).data.data.length;
      expect(s.count()).to.deep.equal({ blobs: n, bytes });
      const f = s.footprint();
      expect(f.chunks).to.be.greaterThan(10);
      expect(f.indexBytes).to.be.at.least((12 * n) / 0.8);
      for (let i = 0; i < n; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, j) => blobOf(i + j));
        const got = s.getMany(batch.map((b) => b.key));
        for (let j = 0; j < batch.length; j++) expectBlob(got[j], batch[j]!.data);
      }
      const keys = new Set(s.keys());
      expect(keys.size).to.equal(n);
      for (let i = 0; i < n; i += 997) expect(keys.has(blobOf(i).key)).to.equal(true);
      // Storing them all again writes nothing.
      expect(s.putMany([blobOf(5), blobOf(150_000)])).to.deep.equal([false, false]);
    });

    it('stores blobs larger than a chunk and gives their memory back when they are deleted', () => {
      const s = new MemoryBlobStore();
      const r = new Bytes(7);
      const big = (n: number): { key: DataKey; data: PagableData } => {
        const data = new Uint8Array(n);
        for (let i = 0; i < n; i += 997) data[i] = r.int(256);
        return { key: r.key(), data: { data, arcs: [r.key()] } };
      };
      const blobs = [big(3 * 1024 * 1024), big(300 * 1024), blobOf(1), big(2 * 1024 * 1024 + 1), blobOf(2), big(100 * 1024)];
      s.putMany(blobs);
      for (const b of blobs) expectBlob(s.getSync(b.key), b.data);
      const before = s.footprint().arenaBytes;
      expect(s.deleteMany([blobs[0]!.key])).to.equal(3 * 1024 * 1024);
      expect(before - s.footprint().arenaBytes).to.be.at.least(3 * 1024 * 1024);
      for (const b of blobs.slice(1)) expectBlob(s.getSync(b.key), b.data);
    });

    it('compacts when most blobs are deleted: the arena and the index shrink, the rest stays readable', () => {
      const s = new MemoryBlobStore();
      const n = 200_000;
      fill(s, 0, n);
      const full = s.footprint();
      const doomed: DataKey[] = [];
      for (let i = 0; i < n; i++) if (i % 10 !== 0) doomed.push(blobOf(i).key);
      for (let i = 0; i < doomed.length; i += 5000) s.deleteMany(doomed.slice(i, i + 5000));
      const after = s.footprint();
      expect(after.arenaBytes).to.be.below(full.arenaBytes * 0.25);
      expect(after.indexBytes).to.be.below(full.indexBytes * 0.25);
      expect(after.deadBytes).to.be.below(after.liveBytes + 1024 * 1024);
      expect(s.count().blobs).to.equal(n / 10);
      for (let i = 0; i < n; i++) {
        const b = blobOf(i);
        if (i % 10 === 0) expectBlob(s.getSync(b.key), b.data);
        else if (i % 101 === 1) expect(s.getSync(b.key)).to.equal(undefined);
      }
      fill(s, n, n + 10_000);
      expectBlob(s.getSync(blobOf(n + 5).key), blobOf(n + 5).data);
      expect(s.count().blobs).to.equal(n / 10 + 10_000);
    });

    it('drops a chunk whose blobs are all deleted at once, and shrinks an index left mostly empty', () => {
      const s = new MemoryBlobStore();
      fill(s, 0, 100_000);
      const full = s.footprint();
      // Oldest first: whole chunks die, so little is dead for long and no compaction is needed.
      s.deleteMany(Array.from({ length: 95_000 }, (_, i) => blobOf(i).key));
      const after = s.footprint();
      expect(after.deadBytes).to.be.below(1024 * 1024);
      expect(after.arenaBytes).to.be.below(full.arenaBytes * 0.15);
      expect(after.indexBytes).to.be.below(full.indexBytes * 0.15);
      for (let i = 94_000; i < 100_000; i++) {
        if (i < 95_000) expect(s.getSync(blobOf(i).key)).to.equal(undefined);
        else expectBlob(s.getSync(blobOf(i).key), blobOf(i).data);
      }
    });

    it('compact() drops dead records; kept chunks and copied records stay readable', () => {
      const s = new MemoryBlobStore();
      fill(s, 0, 30_000);
      s.deleteMany(Array.from({ length: 100 }, (_, i) => blobOf(i * 3).key));
      const dead = s.footprint().deadBytes;
      expect(dead).to.be.greaterThan(0);
      expect(s.compact()).to.be.at.least(0);
      expect(s.footprint().deadBytes).to.equal(0);
      for (let i = 0; i < 30_000; i++) {
        const b = blobOf(i);
        if (i % 3 === 0 && i < 300) expect(s.getSync(b.key)).to.equal(undefined);
        else expectBlob(s.getSync(b.key), b.data);
      }
    });

    it('returns memory to the process after most blobs are deleted', async function () {
      if (gc === undefined) this.skip();
      const base = await memoryInUse();
      const s = new MemoryBlobStore();
      fill(s, 0, 200_000);
      const full = await memoryInUse();
      const doomed: DataKey[] = [];
      for (let i = 0; i < 200_000; i++) if (i % 20 !== 0) doomed.push(blobOf(i).key);
      s.deleteMany(doomed);
      doomed.length = 0;
      const after = await memoryInUse();
      console.log(`      200k blobs: ${((full - base) / 1e6).toFixed(1)} MB; after deleting 95%: ${((after - base) / 1e6).toFixed(1)} MB`);
      expect(after - base).to.be.below((full - base) * 0.2);
      expect(s.count().blobs).to.equal(10_000);
    });

    it('lets a caller delete while iterating keys', () => {
      const s = new MemoryBlobStore();
      fill(s, 0, 50_000);
      let seen = 0;
      for (const k of s.keys()) {
        seen++;
        // Delete this key and, when present, a later one: the later one must not be yielded.
        s.deleteMany([k, blobOf((seen * 7) % 50_000).key]);
      }
      expect(s.count().blobs).to.equal(0);
      expect(seen).to.be.below(50_000).and.greaterThan(25_000);
      fill(s, 0, 100);
      const yielded = [];
      for (const k of s.keys()) {
        yielded.push(k);
        s.putMany([blobOf(100 + yielded.length)]);
      }
      expect(yielded.length).to.equal(100);
    });
  });

  describe('heap', () => {
    // 100k, and just past the index's growth from 131,072 to 262,144 slots: its emptiest point.
    for (const n of [100_000, 104_900]) {
      it(`costs at most 64 bytes of memory per stored blob beyond its data (${n} small blobs)`, async function () {
        if (gc === undefined) this.skip();
        const base = await memoryInUse();
        const s = new MemoryBlobStore();
        fill(s, 0, n);
        const used = await memoryInUse();
        let payload = 0;
        for (let i = 0; i < n; i++) {
          const { data } = blobOf(i);
          payload += data.data.length + 16 * data.arcs.length;
        }
        const perBlob = (used - base - payload) / n;
        const f = s.footprint();
        console.log(
          `      ${n} blobs: ${perBlob.toFixed(1)} B of heap + array buffers per blob beyond its data ` +
            `(arena ${(f.arenaBytes / 1e6).toFixed(2)} MB, index ${(f.indexBytes / 1e6).toFixed(2)} MB, data ${(payload / 1e6).toFixed(2)} MB)`,
        );
        expect(perBlob).to.be.at.most(64);
        expect(s.count().blobs).to.equal(n);
      });
    }
  });
});
