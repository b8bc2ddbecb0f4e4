import type { DataKey } from '../keys/data.js';
import { RedisBlobStore, type RedisBlobStoreOptions } from '../blobstore/redis/redis-blob-store.js';
import { verifying } from '../blobstore/verifying.js';
import type { StorageOptions } from './interface.js';
import { PagableStorageBase } from './storage-base.js';

/** Options of `RedisPagableStorage.connect`. */
export interface RedisStorageOptions extends StorageOptions, RedisBlobStoreOptions {
  /**
   * Re-key every blob read with computeKey and fail with CORRUPT (naming the key) on a mismatch,
   * so a value overwritten in Redis never becomes a silently wrong object. Default true.
   */
  verify?: boolean;
}

/**
 * The paging runtime over blobs in Redis (one server or a Redis Cluster), shared by every process
 * and machine that connects with the same prefix: a graph saved by one can be loaded by all the
 * others. Every operation fails with IO within about `timeoutMs` (default 5000) when the server is
 * dead, frozen or mute, and the same handle works again once it is back. Redis cannot be read
 * synchronously, so `pinSync()` of a paged-out arc is IO: use `pin()`. Every read is re-keyed
 * unless `verify: false`. `stats().blobs` / `bytes` count the blobs this client stored or read.
 */
export class RedisPagableStorage extends PagableStorageBase {
  readonly #store: RedisBlobStore;

  private constructor(store: RedisBlobStore, options: RedisStorageOptions) {
    super(options.verify === false ? store : verifying(store), options);
    this.#store = store;
  }

  /**
   * Connects to `url`, the `cluster` startup nodes, or uses `client`, and checks the server
   * answers: IO naming the server within about `timeoutMs` when it cannot be reached (a connection
   * it opened is closed again then). IO naming the package when `ioredis` is not installed.
   */
  static async connect(options: RedisStorageOptions = {}): Promise<RedisPagableStorage> {
    return new RedisPagableStorage(await RedisBlobStore.connect(options, 'RedisPagableStorage.connect'), options);
  }

  /** The BlobStore underneath, unverified (tools: listing, raw reads). */
  get redisStore(): RedisBlobStore {
    return this.#store;
  }

  /** The prefix of every Redis key this storage uses. */
  get prefix(): string {
    return this.#store.prefix;
  }

  /** True when connected to a Redis Cluster. */
  get isCluster(): boolean {
    return this.#store.isCluster;
  }

  /** The Redis key holding blob `key`. */
  redisKeyOf(key: DataKey): string {
    return this.#store.redisKeyOf(key);
  }
}
