/**
 * pagable: page large object graphs out of memory and back, with content addressing.
 * Everything public is exported from here (and the conformance kit from `pagable/testing`).
 */
import 'reflect-metadata';
import './decorators/symbol-metadata.js';

export { Pagable } from './decorators/pagable.js';
export { TypeTag } from './decorators/type-tag.js';
export { Field, Shared, Lazy, Dyn } from './decorators/fields.js';
export type { PagableFieldDecorator, PagableClassDecorator, StorableFieldContext } from './decorators/dialect.js';
export type { FieldOptions } from './metadata/field-options.js';
export { registerCodec } from './metadata/register-codec.js';
export type { Codec } from './metadata/type-spec.js';
export type { TypeSpec, Class } from './metadata/type-spec.js';
export type { PagableOptions } from './metadata/class-meta.js';

export { PagableArc } from './arc/pagable-arc.js';
export { PinnedPagableArc } from './arc/pinned-pagable-arc.js';
export type { ArcState } from './arc/arc-inner.js';

export type { DataKey, PagableData } from './keys/data.js';
export { isDataKey } from './keys/data.js';
export { computeKey } from './keys/compute-key.js';

export { PagableError } from './error.js';
export type { PagableErrorCode } from './error.js';

export type { Await, AwaitIterable, BlobCount, BlobEntry, BlobStore, RootEntry, SweepGuard } from './blobstore/interface.js';
export { BaseBlobStore } from './blobstore/base.js';
export { MemoryBlobStore } from './blobstore/memory/memory-blob-store.js';
export type { MemoryFootprint } from './blobstore/memory/memory-blob-store.js';
export { TieredBlobStore, tiered } from './blobstore/tiered.js';
export { verifying } from './blobstore/verifying.js';
export { RedisBlobStore, type RedisBlobStoreOptions } from './blobstore/redis/redis-blob-store.js';
export type { RedisClient, RedisConnectionOptions } from './blobstore/redis/client.js';
export { LmdbBlobStore, type LmdbBlobStoreOptions } from './blobstore/lmdb/lmdb-blob-store.js';
export { delegating } from './blobstore/delegating.js';

export type {
  AutoPageOutOptions,
  GcReport,
  PageOutReport,
  PagableStorage,
  StorageOptions,
  StorageStats,
  VerifyReport,
} from './paging/interface.js';
export { PagableStorageBase } from './paging/storage-base.js';

export { InMemoryPagableStorage } from './paging/memory-storage.js';
export { LmdbPagableStorage } from './paging/lmdb-storage.js';
export type { LmdbStorageOptions, LmdbBlobInfo } from './paging/lmdb-storage.js';
export { RedisPagableStorage } from './paging/redis-storage.js';
export type { RedisStorageOptions } from './paging/redis-storage.js';

export { toPlain, exportPlain } from './plain/to-plain.js';
export type { Plain, PlainExportOptions, PlainGraph } from './plain/to-plain.js';
