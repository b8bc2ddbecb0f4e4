import { delegating } from '../blobstore/delegating.js';
import { LmdbBlobStore, type LmdbBlobInfo, type LmdbBlobStoreOptions } from '../blobstore/lmdb/lmdb-blob-store.js';
import { verifying } from '../blobstore/verifying.js';
import type { DataKey } from '../keys/data.js';
import type { StorageOptions } from './interface.js';
import { PagableStorageBase } from './storage-base.js';

export type { LmdbBlobInfo };

/** Options of `LmdbPagableStorage.open`. */
export interface LmdbStorageOptions extends StorageOptions, LmdbBlobStoreOptions {
  /**
   * Re-key every blob read from disk with computeKey and fail with CORRUPT (naming the key) on a
   * mismatch, so a flipped bit on disk never becomes a silently wrong object. Default true.
   */
  verify?: boolean;
}

/**
 * The default persistent storage: the paging runtime over an embedded LMDB store (one directory,
 * shared by many processes of one machine, crash safe). Reads are synchronous, so `pinSync()`
 * works; writes are batched into one transaction per save or page-out and resolve once committed,
 * so a key that `save()` returned survives a killed process. The data file is checked before LMDB
 * maps it (a damaged file is CORRUPT, never a crash), and every read is re-keyed unless
 * `verify: false`. gc is safe against the writes of other handles and processes (see SweepGuard).
 */
export class LmdbPagableStorage extends PagableStorageBase {
  readonly #store: LmdbBlobStore;

  private constructor(store: LmdbBlobStore, options: LmdbStorageOptions) {
    // With countAtOpen: false, stats() counts from this handle's own writes instead of the store.
    const base = options.countAtOpen === false ? delegating(store, { count: undefined }) : store;
    super(options.verify === false ? base : verifying(base), options);
    this.#store = store;
  }

  /**
   * Opens (and by default creates) the store in directory `path`. NOT_FOUND when `create` is false
   * or `readOnly` and there is no store; CORRUPT when the data file is damaged; INVALID_ARGUMENT for
   * bad options; IO when LMDB cannot open it, or when the `lmdb` package is not installed.
   */
  static async open(path: string, options: LmdbStorageOptions = {}): Promise<LmdbPagableStorage> {
    return new LmdbPagableStorage(await LmdbBlobStore.open(path, options), options);
  }

  /** The BlobStore underneath, unverified (tools: listing records, raw reads). */
  get lmdbStore(): LmdbBlobStore {
    return this.#store;
  }

  /** The store's directory. */
  get path(): string {
    return this.#store.path;
  }

  /** Size of the store's data file in bytes (what the store takes on disk). */
  fileBytes(): number {
    return this.#store.fileBytes();
  }

  /** The number of stored blobs, from LMDB's own counters (no scan). */
  blobCount(): number {
    return this.#store.blobCount();
  }

  /** Every stored blob's key, data size and child count, in key order; malformed records flagged. */
  listBlobs(): Iterable<LmdbBlobInfo> {
    return this.#store.listBlobs();
  }

  /** Stored keys beginning with `prefix` (lowercase hex), at most `limit` of them, in key order. */
  keysWithPrefix(prefix: string, limit = 2): DataKey[] {
    return this.#store.keysWithPrefix(prefix, limit);
  }
}
