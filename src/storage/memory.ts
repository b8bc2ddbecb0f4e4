import type { DataKey, PagableData } from '../keys/data.js';
import { type BlobEntry, PagableStorageBase, type StorageOptions } from '../paging/storage-base.js';
import type { RootEntry } from '../paging/interface.js';

/**
 * Blobs in a Map, in this process: for tests, development, and paging within one process's
 * lifetime. Every operation is synchronous underneath, so `pageOutPending()` and `pinSync()` are too.
 */
export class InMemoryPagableStorage extends PagableStorageBase {
  readonly #blobs = new Map<DataKey, PagableData>();
  readonly #roots = new Map<string, DataKey>();

  constructor(options: StorageOptions = {}) {
    super(options);
  }

  protected rawStoreMany(entries: readonly BlobEntry[]): boolean[] {
    const out = new Array<boolean>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (this.#blobs.has(e.key)) out[i] = false;
      else {
        this.#blobs.set(e.key, e.data);
        out[i] = true;
      }
    }
    return out;
  }

  protected rawFetch(key: DataKey): PagableData | undefined {
    return this.#blobs.get(key);
  }

  protected override rawFetchSync(key: DataKey): PagableData | undefined {
    return this.#blobs.get(key);
  }

  protected override rawFetchMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    return keys.map((k) => this.#blobs.get(k));
  }

  protected rawHas(key: DataKey): boolean {
    return this.#blobs.has(key);
  }

  protected rawKeys(): Iterable<DataKey> {
    return [...this.#blobs.keys()];
  }

  protected rawDeleteMany(keys: readonly DataKey[]): number {
    let bytes = 0;
    for (const k of keys) {
      const b = this.#blobs.get(k);
      if (b !== undefined) {
        bytes += b.data.length;
        this.#blobs.delete(k);
      }
    }
    return bytes;
  }

  protected rawSetRoot(name: string, key: DataKey | undefined): void {
    if (key === undefined) this.#roots.delete(name);
    else this.#roots.set(name, key);
  }

  protected rawGetRoot(name: string): DataKey | undefined {
    return this.#roots.get(name);
  }

  protected rawListRoots(): RootEntry[] {
    return [...this.#roots].map(([name, key]) => ({ name, key }));
  }

  protected override async rawClose(): Promise<void> {
    // The seed's behaviour: a dropped storage forgets its data; held handles degrade gracefully.
    this.#blobs.clear();
    this.#roots.clear();
  }
}
