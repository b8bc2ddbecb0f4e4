import { MemoryBlobStore } from '../blobstore/memory/memory-blob-store.js';
import type { StorageOptions } from './interface.js';
import { PagableStorageBase } from './storage-base.js';

/**
 * Blobs in this process's memory: for tests, development, and paging within one process's
 * lifetime. Every operation is synchronous underneath, so `pageOutPending()` and `pinSync()` are too.
 */
export class InMemoryPagableStorage extends PagableStorageBase {
  constructor(options: StorageOptions = {}) {
    super(new MemoryBlobStore(), options);
  }
}
