import { MemoryBlobStore } from '../blobstore/memory.js';
import type { StorageOptions } from '../paging/interface.js';
import { PagableStorageBase } from '../paging/storage-base.js';

/**
 * Blobs in this process's memory: for tests, development, and paging within one process's
 * lifetime. Every operation is synchronous underneath, so `pageOutPending()` and `pinSync()` are too.
 */
export class InMemoryPagableStorage extends PagableStorageBase {
  constructor(options: StorageOptions = {}) {
    super(new MemoryBlobStore(), options);
  }
}
