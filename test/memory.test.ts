import { InMemoryPagableStorage } from '../src/index.js';
import { storageConformance } from './storage-conformance.js';

storageConformance({ name: 'memory', syncFetch: true, create: async () => new InMemoryPagableStorage() });
