/*
 * One page-out writes each blob once: what two values of a graph share (a class schema blob used
 * by two schema sets, equal content) reaches the store once, so a first save into an empty storage
 * counts no dedup hit, whatever the store.
 */
import { expect } from 'chai';
import { type BlobEntry, InMemoryPagableStorage, MemoryBlobStore, PagableStorageBase, delegating } from '../../src/index.js';
import { samplePackage } from '../../src/testing/index.js';

describe('page-out writes each blob once', () => {
  it('a first save into an empty storage counts no dedup hit (schema blobs shared by schema sets)', async () => {
    const s = new InMemoryPagableStorage();
    await s.save(samplePackage(s));
    const st = s.stats();
    expect(st.stores).to.be.greaterThan(0);
    expect(st.dedupHits).to.equal(0);
    expect(st.blobs).to.equal(st.stores);
  });

  it('the same through a store with BlobStore methods only', async () => {
    const written: string[] = [];
    const inner = new MemoryBlobStore();
    const store = delegating(inner, {
      putMany: (entries: readonly BlobEntry[]) => {
        for (const e of entries) written.push(e.key);
        return inner.putMany(entries);
      },
    });
    const s = new PagableStorageBase(store);
    await s.save(samplePackage(s));
    expect(new Set(written).size).to.equal(written.length);
    expect(s.stats().dedupHits).to.equal(0);
  });
});
