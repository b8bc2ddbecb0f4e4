/*
 * Custom backends written for version 0.1 subclass PagableStorageBase and implement `protected raw*`
 * methods (src/paging/raw-io-store.ts). They still work: the storage conformance suite runs against
 * one with only the required methods, answering asynchronously, and one with every optional method
 * (batched reads and existence checks, synchronous fetch, flush and close), answering at once.
 */
import { expect } from 'chai';
import {
  type BlobEntry,
  type DataKey,
  type PagableData,
  PagableStorageBase,
  type RootEntry,
  type StorageOptions,
} from '../../src/index.js';
import { storageConformance } from '../support/storage-conformance.js';

const later = <T>(v: T): Promise<T> => new Promise((r) => setImmediate(() => r(v)));

/** The required raw methods over maps, answering on a later turn (as a network store would). */
class RawMapStorage extends PagableStorageBase {
  readonly blobs = new Map<DataKey, PagableData>();
  readonly roots = new Map<string, DataKey>();

  constructor(options?: StorageOptions) {
    super(options);
  }
  protected rawStoreMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    return later(
      entries.map((e) => {
        if (this.blobs.has(e.key)) return false;
        this.blobs.set(e.key, e.data);
        return true;
      }),
    );
  }
  protected rawFetch(key: DataKey): Promise<PagableData | undefined> {
    return later(this.blobs.get(key));
  }
  protected rawHas(key: DataKey): Promise<boolean> {
    return later(this.blobs.has(key));
  }
  protected async *rawKeys(): AsyncIterable<DataKey> {
    for (const k of [...this.blobs.keys()]) yield await later(k);
  }
  protected rawDeleteMany(keys: readonly DataKey[]): Promise<number> {
    let n = 0;
    for (const k of keys) {
      n += this.blobs.get(k)?.data.length ?? 0;
      this.blobs.delete(k);
    }
    return later(n);
  }
  protected rawSetRoot(name: string, key: DataKey | undefined): Promise<void> {
    if (key === undefined) this.roots.delete(name);
    else this.roots.set(name, key);
    return later(undefined);
  }
  protected rawGetRoot(name: string): Promise<DataKey | undefined> {
    return later(this.roots.get(name));
  }
  protected rawListRoots(): Promise<RootEntry[]> {
    return later([...this.roots].map(([name, key]) => ({ name, key })));
  }
}

/** Every raw method, optional ones included, answering synchronously. */
class FullRawMapStorage extends PagableStorageBase {
  readonly blobs = new Map<DataKey, PagableData>();
  readonly roots = new Map<string, DataKey>();
  readonly calls = { fetchMany: 0, hasMany: 0, fetchSync: 0, flush: 0, close: 0 };

  constructor(options?: StorageOptions) {
    super(options);
  }
  protected rawStoreMany(entries: readonly BlobEntry[]): boolean[] {
    return entries.map((e) => {
      if (this.blobs.has(e.key)) return false;
      this.blobs.set(e.key, e.data);
      return true;
    });
  }
  protected rawFetch(key: DataKey): PagableData | undefined {
    return this.blobs.get(key);
  }
  protected rawFetchSync(key: DataKey): PagableData | undefined {
    this.calls.fetchSync++;
    return this.blobs.get(key);
  }
  protected rawFetchMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    this.calls.fetchMany++;
    return keys.map((k) => this.blobs.get(k));
  }
  protected rawHas(key: DataKey): boolean {
    return this.blobs.has(key);
  }
  protected rawHasMany(keys: readonly DataKey[]): boolean[] {
    this.calls.hasMany++;
    return keys.map((k) => this.blobs.has(k));
  }
  protected rawKeys(): Iterable<DataKey> {
    return [...this.blobs.keys()];
  }
  protected rawDeleteMany(keys: readonly DataKey[]): number {
    let n = 0;
    for (const k of keys) {
      n += this.blobs.get(k)?.data.length ?? 0;
      this.blobs.delete(k);
    }
    return n;
  }
  protected rawSetRoot(name: string, key: DataKey | undefined): void {
    if (key === undefined) this.roots.delete(name);
    else this.roots.set(name, key);
  }
  protected rawGetRoot(name: string): DataKey | undefined {
    return this.roots.get(name);
  }
  protected rawListRoots(): RootEntry[] {
    return [...this.roots].map(([name, key]) => ({ name, key }));
  }
  protected rawFlush(): void {
    this.calls.flush++;
  }
  protected rawClose(): void {
    this.calls.close++;
  }
}

storageConformance({ name: '0.1 raw methods, required only, asynchronous', syncFetch: false, create: (o) => new RawMapStorage(o) });
storageConformance({ name: '0.1 raw methods, all of them, synchronous', syncFetch: true, create: (o) => new FullRawMapStorage(o) });

describe('0.1 raw-method backends', () => {
  it('the store is named for the subclass, and the optional methods are the ones called', async () => {
    const s = new FullRawMapStorage();
    expect(s.blobStore.name).to.equal('FullRawMapStorage');
    expect(new RawMapStorage().blobStore.name).to.equal('RawMapStorage');
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
