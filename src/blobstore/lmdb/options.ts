import type { DataKey } from '../../keys/data.js';
import type { PagableError } from '../../error.js';

/* The options and listing types of LmdbBlobStore (types only). */

/** Options of `LmdbBlobStore.open`. */
export interface LmdbBlobStoreOptions {
  /** Initial memory-map size in bytes (1 .. MAX_MAP_SIZE); LMDB grows it as the store grows. */
  mapSize?: number;
  /** Skip fsync: faster, but a machine crash (not a killed process) may lose recent writes. */
  noSync?: boolean;
  /** Create the store when `path` holds none. Default true; with false, a missing store is NOT_FOUND. */
  create?: boolean;
  /** Open without write access (inspection tools); writes then fail with IO saying so. */
  readOnly?: boolean;
  /**
   * Count the blobs and bytes at open (one pass over the file, which also checks every page of
   * the blobs tree, so later reads cannot crash on a page damaged before the open). Default true;
   * with false, `count()` makes that pass on first call.
   */
  countAtOpen?: boolean;
  /** How long a gc sweep stays open without a guard call before writers may drop it. Default 10 min. */
  sweepLeaseMs?: number;
}

/** One stored blob as listed by `listBlobs()`. */
export interface LmdbBlobInfo {
  /** The blob's content key. */
  key: DataKey;
  /** Length of the blob's data (of the whole record when it is malformed). */
  bytes: number;
  /** Number of child keys. */
  children: number;
  /** Set when the record is not a blob record: CORRUPT naming the key. */
  malformed?: PagableError;
}
