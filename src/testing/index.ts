/**
 * `pagable/testing`: the conformance suites every storage of this project passes, for custom
 * backends to pass too, and `roundTrip` for unit tests of a model. Run them under any framework with describe / it / beforeEach / afterEach
 * (or pass those functions in). The suites use their own classes, tagged `pagable.testing.*`.
 */
export { blobStoreConformance, entryOf, type BlobStoreFactory } from './blob-store-conformance.js';
export { storageConformance } from './storage-conformance.js';
export { samplePackage } from './sample-package.js';
export { expectPagableError } from './expect-error.js';
export { roundTrip, type RoundTrip } from './round-trip.js';
export type { TestHarness, TestBody, StorageFactory } from './harness.js';
export * as testingModels from './models.js';
