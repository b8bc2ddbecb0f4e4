import { InMemoryPagableStorage, MemoryBlobStore } from '../../src/index.js';
import { blobStoreConformance, storageConformance } from '../support/storage-conformance.js';

blobStoreConformance({ name: 'memory', create: () => new MemoryBlobStore() });
storageConformance({ name: 'memory', syncFetch: true, create: (options) => new InMemoryPagableStorage(options) });
