import { allOf, andThen } from '../blobstore/await.js';
import type { Await, AwaitIterable, BlobEntry, BlobStore, RootEntry } from '../blobstore/interface.js';
import type { DataKey, PagableData } from '../keys/data.js';

/**
 * The raw I/O methods of custom backends written for version 0.1, which subclassed PagableStorageBase and
 * implemented `protected raw*` methods. Still honoured (nothing written against it breaks); new
 * backends implement BlobStore instead.
 */
interface RawIoMethods {
  rawStoreMany(entries: readonly BlobEntry[]): Await<boolean[]>;
  rawFetch(key: DataKey): Await<PagableData | undefined>;
  rawFetchSync?(key: DataKey): PagableData | undefined;
  rawFetchMany?(keys: readonly DataKey[]): Await<Array<PagableData | undefined>>;
  rawHas(key: DataKey): Await<boolean>;
  rawHasMany?(keys: readonly DataKey[]): Await<boolean[]>;
  rawKeys(): AwaitIterable<DataKey>;
  rawDeleteMany(keys: readonly DataKey[]): Await<number>;
  rawSetRoot(name: string, key: DataKey | undefined): Await<void>;
  rawGetRoot(name: string): Await<DataKey | undefined>;
  rawListRoots(): Await<RootEntry[]>;
  rawFlush?(): Await<void>;
  rawClose?(): Await<void>;
}

/** True when `o` has those raw methods (a subclass of PagableStorageBase). */
export function hasRawIoMethods(o: object): boolean {
  return typeof (o as Partial<RawIoMethods>).rawStoreMany === 'function' && typeof (o as Partial<RawIoMethods>).rawFetch === 'function';
}

/** A BlobStore over a subclass's raw methods (called on the subclass instance). */
export function rawIoStore(target: object, name: string): BlobStore {
  const raw = target as RawIoMethods;
  const store: BlobStore = {
    name,
    putMany: (entries) => raw.rawStoreMany(entries),
    getMany: (keys) => (raw.rawFetchMany !== undefined ? raw.rawFetchMany(keys) : allOf(keys.map((k) => raw.rawFetch(k)))),
    hasMany: (keys) => (raw.rawHasMany !== undefined ? raw.rawHasMany(keys) : allOf(keys.map((k) => raw.rawHas(k)))),
    keys: () => raw.rawKeys(),
    deleteMany: (keys) => raw.rawDeleteMany(keys),
    getRoot: (n) => raw.rawGetRoot(n),
    setRoot: (n, key) => andThen(raw.rawHas(key), (has) => (has ? andThen(raw.rawSetRoot(n, key), () => true) : false)),
    deleteRoot: (n) => andThen(raw.rawGetRoot(n), (k) => (k === undefined ? false : andThen(raw.rawSetRoot(n, undefined), () => true))),
    listRoots: () => raw.rawListRoots(),
    flush: () => raw.rawFlush?.(),
    close: () => raw.rawClose?.(),
  };
  // Looked up at each call, not bound once: a subclass may define it as an own property later.
  Object.defineProperty(store, 'getSync', {
    get: () => (typeof raw.rawFetchSync === 'function' ? (key: DataKey) => raw.rawFetchSync!(key) : undefined),
    enumerable: true,
  });
  return store;
}
