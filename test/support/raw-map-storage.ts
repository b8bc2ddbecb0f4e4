import {
  type Await,
  type AwaitIterable,
  type BlobEntry,
  type DataKey,
  type PagableData,
  PagableStorageBase,
  type RootEntry,
  type StorageOptions,
} from '../../src/index.js';

/**
 * A backend written for version 0.1: PagableStorageBase with the required `protected raw*` methods
 * over maps, answering at once and keeping each blob as handed to it. Tests override a method to
 * slow it down, count it or answer asynchronously.
 */
export class RawMapStorage extends PagableStorageBase {
  readonly blobs = new Map<DataKey, PagableData>();
  readonly roots = new Map<string, DataKey>();

  constructor(options?: StorageOptions) {
    super(options);
  }
  protected rawStoreMany(entries: readonly BlobEntry[]): Await<boolean[]> {
    return entries.map((e) => {
      if (this.blobs.has(e.key)) return false;
      this.blobs.set(e.key, e.data);
      return true;
    });
  }
  protected rawFetch(key: DataKey): Await<PagableData | undefined> {
    return this.blobs.get(key);
  }
  protected rawHas(key: DataKey): Await<boolean> {
    return this.blobs.has(key);
  }
  protected rawKeys(): AwaitIterable<DataKey> {
    return [...this.blobs.keys()];
  }
  protected rawDeleteMany(keys: readonly DataKey[]): Await<number> {
    let n = 0;
    for (const k of keys) {
      n += this.blobs.get(k)?.data.length ?? 0;
      this.blobs.delete(k);
    }
    return n;
  }
  protected rawSetRoot(name: string, key: DataKey | undefined): Await<void> {
    if (key === undefined) this.roots.delete(name);
    else this.roots.set(name, key);
  }
  protected rawGetRoot(name: string): Await<DataKey | undefined> {
    return this.roots.get(name);
  }
  protected rawListRoots(): Await<RootEntry[]> {
    return [...this.roots].map(([name, key]) => ({ name, key }));
  }
}
