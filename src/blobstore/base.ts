import { allOf, andThen } from './await.js';
import type { Await, AwaitIterable, BlobEntry, BlobStore, RootEntry } from './interface.js';
import type { DataKey, PagableData } from '../keys/data.js';

/**
 * A base for custom backends that think one blob at a time (as ipfs/js-stores' BaseBlockstore):
 * implement `put`, `get`, `has`, `delete`, `keys` and the roots table, and the batch forms
 * the runtime calls come from here. Backends with real batch operations override those instead.
 */
export abstract class BaseBlobStore implements BlobStore {
  abstract readonly name: string;

  /** Writes `entry` if its key is absent; true if this call wrote it. */
  abstract put(entry: BlobEntry): Await<boolean>;
  /** One blob, or undefined. */
  abstract get(key: DataKey): Await<PagableData | undefined>;
  /** True when present. */
  abstract has(key: DataKey): Await<boolean>;
  /** Deletes one blob; the length of its data, or 0 when it was absent. */
  abstract delete(key: DataKey): Await<number>;
  abstract keys(): AwaitIterable<DataKey>;
  abstract getRoot(name: string): Await<DataKey | undefined>;
  abstract setRoot(name: string, key: DataKey): Await<boolean>;
  abstract deleteRoot(name: string): Await<boolean>;
  abstract listRoots(): Await<RootEntry[]>;

  putMany(entries: readonly BlobEntry[]): Await<boolean[]> {
    // One at a time, in order: a key repeated in the batch is then written once.
    const out: boolean[] = [];
    const step = (i: number): Await<boolean[]> => {
      for (; i < entries.length; i++) {
        const r = this.put(entries[i]!);
        if (typeof r !== 'boolean')
          return r.then((w) => {
            out.push(w);
            return step(i + 1);
          });
        out.push(r);
      }
      return out;
    };
    return step(0);
  }

  getMany(keys: readonly DataKey[]): Await<Array<PagableData | undefined>> {
    return allOf(keys.map((k) => this.get(k)));
  }

  hasMany(keys: readonly DataKey[]): Await<boolean[]> {
    return allOf(keys.map((k) => this.has(k)));
  }

  deleteMany(keys: readonly DataKey[]): Await<number> {
    return andThen(allOf(keys.map((k) => this.delete(k))), (n) => n.reduce((a, b) => a + b, 0));
  }

  flush(): Await<void> {}

  close(): Await<void> {}
}
