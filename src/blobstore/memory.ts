import type { DataKey, PagableData } from '../keys/data.js';
import type { BlobCount, BlobEntry, BlobStore, RootEntry } from './interface.js';

/**
 * Blobs in a Map, in this process (interim: a compact arena store replaces it). Everything is
 * synchronous, so the storage over it pages out and in synchronously too.
 */
export class MemoryBlobStore implements BlobStore {
  readonly name = 'memory';
  readonly #blobs = new Map<DataKey, PagableData>();
  readonly #roots = new Map<string, DataKey>();
  #bytes = 0;

  putMany(entries: readonly BlobEntry[]): boolean[] {
    return entries.map((e) => {
      if (this.#blobs.has(e.key)) return false;
      this.#blobs.set(e.key, { data: e.data.data.slice(), arcs: e.data.arcs.slice() });
      this.#bytes += e.data.data.length;
      return true;
    });
  }

  getMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    return keys.map((k) => this.getSync(k));
  }

  getSync(key: DataKey): PagableData | undefined {
    const b = this.#blobs.get(key);
    // Copies: what a caller does with a blob it read must never change the store.
    return b === undefined ? undefined : { data: b.data.slice(), arcs: b.arcs.slice() };
  }

  hasMany(keys: readonly DataKey[]): boolean[] {
    return keys.map((k) => this.#blobs.has(k));
  }

  keys(): Iterable<DataKey> {
    return [...this.#blobs.keys()];
  }

  deleteMany(keys: readonly DataKey[]): number {
    let bytes = 0;
    for (const k of keys) {
      const b = this.#blobs.get(k);
      if (b === undefined) continue;
      bytes += b.data.length;
      this.#blobs.delete(k);
    }
    this.#bytes -= bytes;
    return bytes;
  }

  getRoot(name: string): DataKey | undefined {
    return this.#roots.get(name);
  }

  setRoot(name: string, key: DataKey): boolean {
    if (!this.#blobs.has(key)) return false;
    this.#roots.set(name, key);
    return true;
  }

  deleteRoot(name: string): boolean {
    return this.#roots.delete(name);
  }

  listRoots(): RootEntry[] {
    return [...this.#roots].map(([name, key]) => ({ name, key }));
  }

  count(): BlobCount {
    return { blobs: this.#blobs.size, bytes: this.#bytes };
  }

  flush(): void {}

  close(): void {
    // The seed's behaviour: a dropped storage forgets its data; held handles degrade gracefully.
    this.#blobs.clear();
    this.#roots.clear();
    this.#bytes = 0;
  }
}
