import { type BlobStore, MemoryBlobStore, delegating } from '../../src/index.js';

/** A memory store without its synchronous read, as a network backend (Redis) has none. */
export function asyncOnlyMemoryStore(): BlobStore {
  return delegating(new MemoryBlobStore(), { name: 'memory without synchronous reads', getSync: undefined });
}
