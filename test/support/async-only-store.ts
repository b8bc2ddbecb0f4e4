import { type BlobStore, MemoryBlobStore } from '../../src/index.js';

/** A memory store without its synchronous read, as a network backend (Redis) has none. */
export function asyncOnlyMemoryStore(): BlobStore {
  const m = new MemoryBlobStore();
  return {
    name: 'memory without synchronous reads',
    putMany: (e) => m.putMany(e), getMany: (k) => m.getMany(k), hasMany: (k) => m.hasMany(k),
    keys: () => m.keys(), deleteMany: (k) => m.deleteMany(k), getRoot: (n) => m.getRoot(n),
    setRoot: (n, k) => m.setRoot(n, k), deleteRoot: (n) => m.deleteRoot(n), listRoots: () => m.listRoots(),
    count: () => m.count(), flush: () => m.flush(), close: () => m.close(),
  };
}
