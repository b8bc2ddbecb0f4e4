import type { BlobBatch } from '../keys/blob-batch.js';
import type { PagableData } from '../keys/data.js';
import type { Await, BlobStore } from './interface.js';

/**
 * What this package's own stores (memory, LMDB) offer the paging runtime beyond BlobStore: blobs
 * as bytes, with no key string and no object made per blob. Internal: the runtime uses it where
 * a store has it and BlobStore's methods elsewhere, so other stores need nothing of it.
 */
export interface ByteStore {
  /**
   * Writes the batch's blobs whose key is absent, as `putMany` would, setting `batch.written[i]`
   * to 1 for each one written (0 otherwise); with `sync`, finished when it returns.
   */
  putBatch(batch: BlobBatch, sync: boolean): Await<void>;
}

/**
 * A store's `viewSync` by the key's bytes: the blob stored under the key at `bytes[at, at + 16)`,
 * read as `viewSync` reads it (for a page-in that decodes it at once), with no key string made.
 */
export interface ByteView {
  viewAt(bytes: Uint8Array, at: number): PagableData | undefined;
}

/** `store`'s byte access, if it has one. */
export function byteStoreOf(store: BlobStore): ByteStore | undefined {
  const s = store as Partial<ByteStore>;
  return typeof s.putBatch === 'function' ? (s as ByteStore) : undefined;
}

/** `store`'s reads by key bytes, if it has them. */
export function byteViewOf(store: BlobStore): ByteView | undefined {
  const s = store as Partial<ByteView>;
  return typeof s.viewAt === 'function' ? (s as ByteView) : undefined;
}

/** Copies `src[start, end)` into `dst` at `at` (a loop for a few bytes, where a view would cost more than the copy). */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  const n = end - start;
  if (n < 64) {
    for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
  } else {
    dst.set(new Uint8Array(src.buffer, src.byteOffset + start, n), at);
  }
}
