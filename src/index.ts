/**
 * pagable: page large object graphs out of memory and back, with content addressing.
 * Everything public is exported from here.
 */
import 'reflect-metadata';

export { Pagable } from './decorators/pagable.js';
export { TypeTag } from './decorators/type-tag.js';
export { Field, Shared, Lazy, Dyn } from './decorators/fields.js';
export type { TypeSpec, Class, FieldOptions } from './metadata/type-spec.js';
export type { PagableOptions } from './metadata/class-meta.js';

export { PagableArc } from './arc/pagable-arc.js';
export { PinnedPagableArc } from './arc/pinned-pagable-arc.js';

export type { DataKey, PagableData } from './keys/data.js';
export { isDataKey } from './keys/data.js';
export { computeKey } from './keys/compute-key.js';

export { PagableError } from './error.js';
export type { PagableErrorCode } from './error.js';

export type { PagableStorage, StorageStats, PageOutReport, RootEntry, GcReport } from './paging/interface.js';
export { PagableStorageBase } from './paging/storage-base.js';
export type { BlobEntry, StorageOptions } from './paging/storage-base.js';
export { InMemoryPagableStorage } from './storage/memory.js';
export { LmdbPagableStorage } from './storage/lmdb.js';
export type { LmdbStorageOptions, LmdbBlobInfo } from './storage/lmdb.js';
export { RedisPagableStorage } from './storage/redis.js';
export type { RedisStorageOptions } from './storage/redis.js';
