/*
 * The conformance suites live in the package (`pagable/testing`, src/testing/) so custom backends
 * run them too; every backend of this project runs them from there, unchanged.
 */
export { blobStoreConformance, samplePackage, storageConformance } from '../../src/testing/index.js';
