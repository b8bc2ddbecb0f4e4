import { expect } from 'chai';
import fc from 'fast-check';
import type { DataKey, PagableData } from '../../../src/keys/data.js';
import { MemoryBlobStore } from '../../../src/blobstore/memory/memory-blob-store.js';
import { blobOf, expectBlob, fill } from '../../support/memory-blobs.js';
import { fuzzRuns } from '../../support/env.js';

/*
 * The memory store's key index (src/blobstore/memory/key-index.ts): an open-addressing table whose
 * home slot is the key's first byte while it has 256 slots. Keys chosen by their first bytes make
 * probe runs that collide, wrap past the table's end and are shifted back by deletions.
 */

/** A key whose first four bytes are `prefix` (8 hex digits): its hash, so its home slot. */
const keyAt = (prefix: string, i: number): DataKey => `${prefix}${i.toString(16).padStart(24, '0')}`;

const small = (i: number): PagableData => ({ data: Uint8Array.of(i & 0xff, 1, 2), arcs: [] });

/** Every key in `present` reads back as stored, every key in `absent` is absent, and nothing else is there. */
function expectExactly(s: MemoryBlobStore, present: DataKey[], absent: DataKey[]): void {
  for (const k of present) expectBlob(s.getSync(k), small(Number.parseInt(k.slice(8), 16)));
  expect(s.hasMany(absent)).to.deep.equal(absent.map(() => false));
  expect(s.getMany(absent)).to.deep.equal(absent.map(() => undefined));
  expect([...s.keys()].sort()).to.deep.equal([...present].sort());
  expect(s.count().blobs).to.equal(present.length);
}

/** All orders of `xs`. */
function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('MemoryBlobStore key index', () => {
  it('finds every key of a probe run that wraps past the end of the table, whatever order keys are deleted in', () => {
    // Homes 255, 255, 255, 0, 0, 254 (first byte): the run 254..255,0..3 wraps; keys 0 and 1 share
    // their whole hash with a neighbour, so only the bytes after the hash tell them apart.
    const keys = [
      keyAt('ff000000', 1),
      keyAt('ff000000', 2),
      keyAt('ff010000', 3),
      keyAt('00000000', 4),
      keyAt('00010000', 5),
      keyAt('fe000000', 6),
    ];
    for (const order of permutations(keys)) {
      const s = new MemoryBlobStore();
      expect(s.putMany(keys.map((key) => ({ key, data: small(Number.parseInt(key.slice(8), 16)) })))).to.deep.equal(keys.map(() => true));
      const left = [...keys];
      const gone: DataKey[] = [];
      for (const k of order) {
        expect(s.deleteMany([k])).to.equal(3);
        left.splice(left.indexOf(k), 1);
        gone.push(k);
        expectExactly(s, left, gone);
      }
      // A deleted key can be stored again, and is then found.
      expect(s.putMany([{ key: order[0]!, data: small(Number.parseInt(order[0]!.slice(8), 16)) }])).to.deep.equal([true]);
      expectExactly(s, [order[0]!], order.slice(1));
    }
  });

  it('tells apart keys that differ only in their last byte, or only in one byte after the hash', () => {
    const s = new MemoryBlobStore();
    const a = '0123456789abcdef0123456789abcdef';
    const near = [a.slice(0, 31) + 'e', a.slice(0, 8) + 'f' + a.slice(9), a.slice(0, 20) + '0' + a.slice(21)];
    s.putMany([{ key: a, data: small(1) }]);
    expect(s.hasMany(near)).to.deep.equal([false, false, false]);
    expect(s.putMany(near.map((key, i) => ({ key, data: small(i + 2) })))).to.deep.equal([true, true, true]);
    expect(s.getSync(a)!.data[0]).to.equal(1);
    near.forEach((k, i) => expect(s.getSync(k)!.data[0]).to.equal(i + 2));
  });

  it('doubles past 80% full and no earlier: 204 keys in 256 slots, the 205th in 512', () => {
    const s = new MemoryBlobStore();
    fill(s, 0, 204);
    expect(s.footprint().indexBytes).to.equal(12 * 256);
    fill(s, 204, 205);
    expect(s.footprint().indexBytes).to.equal(12 * 512);
    fill(s, 205, 409);
    expect(s.footprint().indexBytes).to.equal(12 * 512);
    fill(s, 409, 410);
    expect(s.footprint().indexBytes).to.equal(12 * 1024);
    for (let i = 0; i < 410; i++) expectBlob(s.getSync(blobOf(i).key), blobOf(i).data);
  });

  it('shrinks once under a fifth full, to the smallest table within 80%, and never below 256 slots', () => {
    const s = new MemoryBlobStore();
    fill(s, 0, 1000); // 2048 slots: it grows at 1638 keys
    expect(s.footprint().indexBytes).to.equal(12 * 2048);
    const del = (from: number, to: number): number => s.deleteMany(Array.from({ length: to - from }, (_, i) => blobOf(from + i).key));
    del(0, 590); // 410 left: a quarter of 1638 is 409.5
    expect(s.footprint().indexBytes).to.equal(12 * 2048);
    del(590, 591); // 409 left
    expect(s.footprint().indexBytes).to.equal(12 * 512);
    del(591, 1000);
    expect(s.count().blobs).to.equal(0);
    expect(s.footprint().indexBytes).to.equal(12 * 256);
    fill(s, 0, 300);
    for (let i = 0; i < 300; i++) expectBlob(s.getSync(blobOf(i).key), blobOf(i).data);
  });

  it('agrees with a Map on random sequences of put, delete, get and compact', () => {
    // A small key space with shared hash bytes, so probe runs are long and deletions shift them.
    const keyArb = fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }))
      .map(([h, i]) => keyAt(['00000000', '00000001', '00000100', 'ffffffff'][h]!, i));
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
      { numRuns: fuzzRuns(300) },
    );
  });
});
