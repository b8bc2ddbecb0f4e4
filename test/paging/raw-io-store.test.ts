/*
 * Custom backends written for version 0.1 subclass PagableStorageBase and implement `protected raw*`
 * methods (src/paging/raw-io-store.ts). They still work: the storage conformance suite runs against
 * one with only the required methods, answering asynchronously, and one with every optional method
 * (batched reads and existence checks, synchronous fetch, flush and close), answering at once.
 */
import { expect } from 'chai';
import { type Await, type BlobEntry, type DataKey, type PagableData, type RootEntry } from '../../src/index.js';
import { RawMapStorage } from '../support/raw-map-storage.js';
import { storageConformance } from '../support/storage-conformance.js';

const later = <T>(v: Await<T>): Promise<T> => new Promise((r) => setImmediate(() => r(v)));

/** The required raw methods only, answering on a later turn (as a network store would). */
class AsyncRawMapStorage extends RawMapStorage {
  protected override rawStoreMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    return later(super.rawStoreMany(entries));
  }
  protected override rawFetch(key: DataKey): Promise<PagableData | undefined> {
    return later(super.rawFetch(key));
  }
  protected override rawHas(key: DataKey): Promise<boolean> {
    return later(super.rawHas(key));
  }
  protected override async *rawKeys(): AsyncIterable<DataKey> {
    for (const k of [...this.blobs.keys()]) yield await later(k);
  }
  protected override rawDeleteMany(keys: readonly DataKey[]): Promise<number> {
    return later(super.rawDeleteMany(keys));
  }
  protected override rawSetRoot(name: string, key: DataKey | undefined): Promise<void> {
    return later(super.rawSetRoot(name, key));
  }
  protected override rawGetRoot(name: string): Promise<DataKey | undefined> {
    return later(super.rawGetRoot(name));
  }
  protected override rawListRoots(): Promise<RootEntry[]> {
    return later(super.rawListRoots());
  }
}

/** Every raw method, the optional ones too (counted), answering at once. */
class FullRawMapStorage extends RawMapStorage {
  readonly calls = { fetchMany: 0, hasMany: 0, fetchSync: 0, flush: 0, close: 0 };

  protected rawFetchSync(key: DataKey): PagableData | undefined {
    this.calls.fetchSync++;
    return this.blobs.get(key);
  }
  protected rawFetchMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    this.calls.fetchMany++;
    return keys.map((k) => this.blobs.get(k));
  }
  protected rawHasMany(keys: readonly DataKey[]): boolean[] {
    this.calls.hasMany++;
    return keys.map((k) => this.blobs.has(k));
  }
  protected rawFlush(): void {
    this.calls.flush++;
  }
  protected rawClose(): void {
    this.calls.close++;
  }
}

storageConformance({ name: '0.1 raw methods, required only, asynchronous', syncFetch: false, create: (o) => new AsyncRawMapStorage(o) });
storageConformance({ name: '0.1 raw methods, all of them, synchronous', syncFetch: true, create: (o) => new FullRawMapStorage(o) });

describe('0.1 raw-method backends', () => {
  it('the store is named for the subclass, and the optional methods are the ones called', async () => {
    const s = new FullRawMapStorage();
    expect(s.blobStore.name).to.equal('FullRawMapStorage');
    expect(new AsyncRawMapStorage().blobStore.name).to.equal('AsyncRawMapStorage');
    const key = await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
    expect(s.fetchDataSync(key)?.data).to.deep.equal(new Uint8Array([0xc0]));
    await s.flush();
    const absent = '0123456789abcdef0123456789abcdef';
    expect(await s.blobStore.hasMany([key, absent])).to.deep.equal([true, false]);
    expect((await s.blobStore.getMany([key, absent])).map((d) => d?.data.length)).to.deep.equal([1, undefined]);
    await s.close();
    expect(s.calls).to.deep.equal({ fetchMany: 1, hasMany: 1, fetchSync: 1, flush: 1, close: 1 });
  });
});
