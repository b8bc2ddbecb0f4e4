import type { PagableStorageBase } from '../paging/storage-base.js';
import type { ExploreSource } from './explorer.js';

/** What some storages offer beyond the runtime (LmdbPagableStorage: its path, file size, counters). */
interface StorageExtras {
  readonly path?: unknown;
  fileBytes?: unknown;
  blobCount?: unknown;
}

/**
 * The explorer's view of a storage: its BlobStore, and the file size and blob counter where the
 * backend has them. Duck-typed, so exploring a Redis or custom storage never loads lmdb.
 */
export function exploreSourceOf(storage: PagableStorageBase, label?: string): ExploreSource {
  const extras = storage as unknown as StorageExtras;
  const fileBytes = typeof extras.fileBytes === 'function' ? (extras.fileBytes as () => number).bind(storage) : undefined;
  const blobCount = typeof extras.blobCount === 'function' ? (extras.blobCount as () => number).bind(storage) : undefined;
  return {
    store: storage.blobStore,
    label: label ?? (typeof extras.path === 'string' ? extras.path : storage.blobStore.name),
    ...(fileBytes !== undefined ? { fileBytes } : {}),
    ...(blobCount !== undefined ? { blobCount } : {}),
  };
}
