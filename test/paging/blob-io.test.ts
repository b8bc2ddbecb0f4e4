/*
 * The storage's blob I/O as its counters and errors show it: `stats().blobs` and `bytes` follow
 * what the store holds (writes, writes of blobs already there, gc's deletes) whether the store
 * counts itself or not, and a failed read or write is IO naming the blob or how many.
 */
import { expect } from 'chai';
import { type BlobStore, MemoryBlobStore, PagableStorageBase, delegating } from '../../src/index.js';
import { Dep } from '../support/models.js';
import { expectError } from '../support/expect-error.js';

/** What the store holds: blobs and the bytes of their data. */
async function held(store: BlobStore): Promise<{ blobs: number; bytes: number }> {
  const keys: string[] = [];
  for await (const k of store.keys()) keys.push(k);
  const data = await store.getMany(keys);
  return { blobs: keys.length, bytes: data.reduce((n, d) => n + d!.data.length, 0) };
}

describe('blob I/O counters and errors', () => {
  for (const counts of [true, false]) {
    it(`stats() blobs and bytes follow the store through writes, repeats and gc (a store that ${counts ? 'counts itself' : 'does not count'})`, async () => {
      const inner = new MemoryBlobStore();
      const store = counts ? inner : delegating(inner, { count: undefined });
      // A counting store's second handle starts from what the store holds; another learns it from its own writes.
      if (counts) await new PagableStorageBase(store).save(Dep.of('before'));
      const s = await PagableStorageBase.create(store);
      const key = await s.save(Dep.of('root', '1', [Dep.of('a'), Dep.of('b')]));
      await s.save(Dep.of('root', '1', [Dep.of('a'), Dep.of('b')]));
      await s.save(Dep.of('orphan'));
      await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
      await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
      const counters = (): { blobs: number; bytes: number } => ({ blobs: s.stats().blobs, bytes: s.stats().bytes });
      expect(s.stats().dedupHits).to.be.greaterThan(0);
      expect(counters()).to.deep.equal(await held(store));
      await s.setRoot('main', key);
      const report = await s.gc();
      expect(report.freedBlobs).to.be.greaterThan(0);
      expect(counters()).to.deep.equal(await held(store));
    });
  }

  it('a failed write is IO naming the blob (one) or the count (several) and the store', async () => {
    const inner = new MemoryBlobStore();
    const s = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        putMany: () => {
          throw new Error('disk full');
        },
      }),
    );
    const one = await expectError(async () => s.storeData({ data: new Uint8Array([0xc0]), arcs: [] }), 'IO');
    expect(one.message).to.match(/^storing blob [0-9a-f]{32} in broken store: disk full$/);
    const many = await expectError(s.save(Dep.of('root', '1', [Dep.of('a')])), 'IO');
    expect(many.message).to.match(/^storing \d+ blobs in broken store: disk full$/);
  });

  it('a failed read is IO naming the blob (one) or the count (several) and the store', async () => {
    const inner = new MemoryBlobStore();
    const good = new PagableStorageBase(inner);
    const key = await good.save(Dep.of('root'));
    const s = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        getSync: undefined,
        getMany: () => Promise.reject(new Error('timeout')),
      }),
    );
    const e = await expectError(s.fetchData(key), 'IO');
    expect(e.message).to.equal(`fetching blob ${key} in broken store: timeout`);
    const sync = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        getSync: () => {
          throw new Error('timeout');
        },
      }),
    );
    const f = await expectError(() => sync.fetchDataSync(key), 'IO');
    expect(f.message).to.equal(`fetching blob ${key} in broken store: timeout`);
  });
});
