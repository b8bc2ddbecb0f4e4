import { expect } from 'chai';
import fc from 'fast-check';
import { type DataKey, type PagableData, keyFromBytes } from '../../../src/keys/data.js';
import { MemoryBlobStore } from '../../../src/blobstore/memory/memory-blob-store.js';
import { expectError } from '../../support/expect-error.js';

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

/** murmur3's finalizer: a bijection on 32-bit integers that spreads every input bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniformly spread key, distinct for each `i` (its first word is a bijection of `i`). */
function keyOf(i: number): DataKey {
  for (let w = 0; w < 4; w++) {
    const x = mix32(i + w * 0x9e3779b9);
    for (let j = 0; j < 4; j++) KEY[4 * w + j] = x >>> (8 * j);
  }
  return keyFromBytes(KEY);
}
const KEY = new Uint8Array(16);

/** The blob number `i` of a run: 20-60 data bytes and 0-2 children, all derived from `i`. */
function blobOf(i: number): { key: DataKey; data: PagableData } {
  const r = mix32(i ^ 0x5bd1e995);
  const data = new Uint8Array(20 + (r % 41));
  for (let j = 0; j < data.length; j++) data[j] = (i + j * 7) & 0xff;
  const arcs: DataKey[] = [];
  for (let c = (r >>> 8) % 3; c > 0; c--) arcs.push(keyOf(i + 1_000_000_000 * c));
  return { key: keyOf(i), data: { data, arcs } };
}

function blob(bytes: number[], arcs: DataKey[] = []): PagableData {
  return { data: Uint8Array.from(bytes), arcs };
}

const K1 = '60acc560af3c172804ca72879e2bdc57';
const K2 = '71e0a99173564931c0b8acc52d2685a8';
const K3 = '7c3341c841370af19df73ab6591c25d5';

/** Stores blobs `from..to-1` of `blobOf` in batches of 1000. */
function fill(s: MemoryBlobStore, from: number, to: number): void {
  for (let i = from; i < to; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) batch.push(blobOf(j));
    s.putMany(batch);
  }
}

function expectBlob(got: PagableData | undefined, want: PagableData): void {
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

const gc = (globalThis as { gc?: () => void }).gc;

async function memoryInUse(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc!();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('MemoryBlobStore', () => {
  describe('store semantics', () => {
    it('answers synchronously, with plain values', () => {
      const s = new MemoryBlobStore();
      for (const r of [
        s.putMany([{ key: K1, data: blob([1]) }]),
        s.getMany([K1]),
        s.getSync(K1),
        s.hasMany([K1]),
        s.deleteMany([K2]),
        s.setRoot('r', K1),
        s.getRoot('r'),
        s.listRoots(),
        s.deleteRoot('r'),
        s.count(),
        s.flush(),
        s.close(),
      ]) {
        expect(r).to.not.be.instanceOf(Promise);
      }
    });

    it('stores a blob once and never overwrites it', () => {
      const s = new MemoryBlobStore();
      expect(s.putMany([{ key: K1, data: blob([1, 2, 3], [K2]) }])).to.deep.equal([true]);
      expect(s.putMany([{ key: K1, data: blob([9, 9], []) }])).to.deep.equal([false]);
      expectBlob(s.getSync(K1), blob([1, 2, 3], [K2]));
      expect(s.count()).to.deep.equal({ blobs: 1, bytes: 3 });
    });

    it('writes a key repeated in one batch once', () => {
      const s = new MemoryBlobStore();
      const out = s.putMany([
        { key: K1, data: blob([1]) },
        { key: K2, data: blob([]) },
        { key: K1, data: blob([5, 5]) },
      ]);
      expect(out).to.deep.equal([true, true, false]);
      expect(s.count()).to.deep.equal({ blobs: 2, bytes: 1 });
      expectBlob(s.getSync(K1), blob([1]));
    });

    it('gets, has and lists keys; undefined and false where absent', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1, 2]) },
        { key: K2, data: blob([], [K1, K1]) },
      ]);
      const got = s.getMany([K2, K3, K1]);
      expectBlob(got[0], blob([], [K1, K1]));
      expect(got[1]).to.equal(undefined);
      expectBlob(got[2], blob([1, 2]));
      expect(s.getSync(K3)).to.equal(undefined);
      expect(s.hasMany([K1, K3, K2])).to.deep.equal([true, false, true]);
      expect([...s.keys()].sort()).to.deep.equal([K1, K2].sort());
    });

    it('treats a malformed key as absent on reads; a batch with one (INVALID_ARGUMENT) or a malformed child (CORRUPT) writes nothing', async () => {
      const s = new MemoryBlobStore();
      for (const bad of ['', 'xyz', K1.toUpperCase(), K1.slice(1), `${K1.slice(0, 31)}é`]) {
        expect(s.getMany([bad])).to.deep.equal([undefined]);
        expect(s.getSync(bad)).to.equal(undefined);
        expect(s.hasMany([bad])).to.deep.equal([false]);
        expect(s.deleteMany([bad])).to.equal(0);
        expect(s.setRoot('r', bad)).to.equal(false);
        await expectError(
          () =>
            s.putMany([
              { key: K1, data: blob([1]) },
              { key: bad, data: blob([]) },
            ]),
          'INVALID_ARGUMENT',
        );
        await expectError(
          () =>
            s.putMany([
              { key: K1, data: blob([1]) },
              { key: K2, data: blob([], [K3, bad]) },
            ]),
          'CORRUPT',
        );
      }
      expect(s.count()).to.deep.equal({ blobs: 0, bytes: 0 });
      expect([...s.keys()]).to.deep.equal([]);
    });

    it('hands out copies: neither what was put nor what was got can change the stored blob', () => {
      const s = new MemoryBlobStore();
      const put = blob([1, 2, 3], [K2]);
      s.putMany([{ key: K1, data: put }]);
      put.data[0] = 99;
      put.arcs[0] = K3;
      const got = s.getSync(K1)!;
      expectBlob(got, blob([1, 2, 3], [K2]));
      got.data.fill(7);
      got.arcs.push(K1);
      expectBlob(s.getSync(K1), blob([1, 2, 3], [K2]));
      expect(s.getSync(K1)).to.not.equal(s.getSync(K1));
    });

    it('viewSync hands out views for page-in: valid across compaction, never a copy', () => {
      const s = new MemoryBlobStore();
      const data = new Uint8Array(600).map((_, i) => i & 0xff);
      s.putMany([
        { key: K1, data: { data, arcs: [K2] } },
        { key: K2, data: blob([4]) },
      ]);
      const view = s.viewSync(K1)!;
      expectBlob(view, { data, arcs: [K2] });
      // A view, not a copy: it shares memory with the arena (getSync's copies do not).
      expect(view.data.buffer.byteLength).to.be.greaterThan(600);
      expect(s.getSync(K1)!.data.buffer.byteLength).to.equal(600);
      s.deleteMany([K1]);
      s.compact();
      expect(s.viewSync(K1)).to.equal(undefined);
      expect([...view.data]).to.deep.equal([...data]);
    });

    it('deletes blobs and returns the data bytes removed, each blob counted once', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1, 2, 3]) },
        { key: K2, data: blob([4], [K1]) },
        { key: K3, data: blob([]) },
      ]);
      expect(s.deleteMany([K1, K1, '0'.repeat(32)])).to.equal(3);
      expect(s.deleteMany([K1])).to.equal(0);
      expect(s.hasMany([K1, K2, K3])).to.deep.equal([false, true, true]);
      expect(s.count()).to.deep.equal({ blobs: 2, bytes: 1 });
      expect(s.deleteMany([K2, K3])).to.equal(1);
      expect(s.count()).to.deep.equal({ blobs: 0, bytes: 0 });
      // A deleted key may be stored again.
      expect(s.putMany([{ key: K1, data: blob([8]) }])).to.deep.equal([true]);
      expectBlob(s.getSync(K1), blob([8]));
    });

    it('keeps named roots, refusing one that names an absent blob', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1]) },
        { key: K2, data: blob([2]) },
      ]);
      expect(s.setRoot('a', K3)).to.equal(false);
      expect(s.getRoot('a')).to.equal(undefined);
      expect(s.setRoot('a', K1)).to.equal(true);
      expect(s.setRoot('b', K2)).to.equal(true);
      expect(s.setRoot('a', K2)).to.equal(true);
      expect(s.getRoot('a')).to.equal(K2);
      expect(s.listRoots().sort((x, y) => x.name.localeCompare(y.name))).to.deep.equal([
        { name: 'a', key: K2 },
        { name: 'b', key: K2 },
      ]);
      expect(s.deleteRoot('a')).to.equal(true);
      expect(s.deleteRoot('a')).to.equal(false);
      expect(s.listRoots()).to.deep.equal([{ name: 'b', key: K2 }]);
    });

    it('forgets everything on close and fails with STORAGE_CLOSED after it', async () => {
      const s = new MemoryBlobStore();
      fill(s, 0, 5000);
      s.setRoot('r', blobOf(0).key);
      const keys = s.keys()[Symbol.iterator]();
      expect(keys.next().done).to.equal(false);
      s.close();
      s.close();
      expect(s.footprint()).to.include({ chunks: 0, arenaBytes: 0, liveBytes: 0 });
      for (const op of [
        () => s.getMany([K1]),
        () => s.getSync(K1),
        () => s.hasMany([K1]),
        () => s.putMany([{ key: K1, data: blob([]) }]),
        () => s.deleteMany([K1]),
        () => s.keys(),
        () => s.count(),
        () => s.getRoot('r'),
        () => s.setRoot('r', K1),
        () => s.listRoots(),
        () => s.deleteRoot('r'),
        () => s.flush(),
        () => s.compact(),
        () => keys.next(),
      ]) {
        await expectError(op, 'STORAGE_CLOSED');
      }
    });
  });

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

  describe('against a Map model', () => {
    it('agrees with a Map on random sequences of put, delete, get and compact', () => {
      // A small key space with shared hash bytes, so probe runs are long and deletions shift them.
      const keyArb = fc
        .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }))
        .map(([h, i]) => `${['00000000', '00000001', '00000100', 'ffffffff'][h]}${i.toString(16).padStart(24, '0')}`);
      const dataArb = fc
        .record({
          size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(70_000, 300_000)),
          fillByte: fc.integer({ min: 0, max: 255 }),
          arcs: fc.array(keyArb, { maxLength: 3 }),
        })
        .map(({ size, fillByte, arcs }) => ({ data: new Uint8Array(size).fill(fillByte), arcs }));
      const op = fc.oneof(
        { weight: 4, arbitrary: fc.array(fc.tuple(keyArb, dataArb), { minLength: 1, maxLength: 5 }).map((es) => ({ put: es })) },
        { weight: 2, arbitrary: fc.array(keyArb, { minLength: 1, maxLength: 6 }).map((ks) => ({ del: ks })) },
        { weight: 2, arbitrary: fc.array(keyArb, { minLength: 1, maxLength: 4 }).map((ks) => ({ get: ks })) },
        { weight: 1, arbitrary: fc.constant({ compact: true }) },
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
          const s = new MemoryBlobStore();
          const model = new Map<DataKey, PagableData>();
          for (const o of ops) {
            if ('put' in o) {
              const want = o.put.map(([key, data]) => (model.has(key) ? false : (model.set(key, data), true)));
              expect(s.putMany(o.put.map(([key, data]) => ({ key, data })))).to.deep.equal(want);
            } else if ('del' in o) {
              let bytes = 0;
              for (const k of o.del) {
                const b = model.get(k);
                if (b !== undefined) {
                  bytes += b.data.length;
                  model.delete(k);
                }
              }
              expect(s.deleteMany(o.del)).to.equal(bytes);
            } else if ('get' in o) {
              const got = s.getMany(o.get);
              o.get.forEach((k, i) => {
                const want = model.get(k);
                if (want === undefined) expect(got[i]).to.equal(undefined);
                else expectBlob(got[i], want);
              });
              expect(s.hasMany(o.get)).to.deep.equal(o.get.map((k) => model.has(k)));
            } else {
              s.compact();
              expect(s.footprint().deadBytes).to.equal(0);
            }
            let bytes = 0;
            for (const b of model.values()) bytes += b.data.length;
            expect(s.count()).to.deep.equal({ blobs: model.size, bytes });
          }
          expect([...s.keys()].sort()).to.deep.equal([...model.keys()].sort());
          for (const [k, b] of model) expectBlob(s.getSync(k), b);
        }),
        { numRuns: Number(process.env.PAGABLE_FUZZ ?? 300) },
      );
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
