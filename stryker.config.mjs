// StrykerJS for `npm run mutate` (CONTRIBUTING.md, "Mutation testing"). Stryker and its mocha
// runner live in tools/mutation (their own package.json), because the 9.x runner loads mocha < 12.
//
// Stryker copies the project into .stryker-tmp/, mutates the TypeScript sources below (every mutant
// behind a switch, so one build serves them all), compiles them with the project's own `tsc -b`
// into build/, and runs the compiled tests in process, each mutant against the tests that cover it.

/**
 * The compiled tests a mutant is run against: the test files that run in process and in seconds,
 * the focused ones (test/<folder>/, mirroring src/) first, since a mutant's run stops at its first
 * failing test. Left out: tests of child processes (CLI, examples run as programs, many writers,
 * crash and damage tests, the fuzz workers, the packed tarball), of other servers (Redis, and
 * LMDB, whose store is not mutated), of a browser (explore), of heap figures (arc-memory), the
 * memory store at scale (memory-blob-store-scale: its small exact twins are arena and key-index)
 * and the 1,000,000-deep walks (depth): they would run for every mutant they cover, surviving
 * ones included, and kill none the others miss.
 */
const tests = [
  'keys/*',
  'text/*',
  'arc/arc-cache',
  'arc/arc-inner',
  'arc/handles',
  'arc/arc',
  'arc/freeze',
  'arc/arc-scoped',
  'codec/codec',
  'codec/codecs',
  'codec/damaged-blobs',
  'codec/encoder',
  'codec/field-refusals',
  'codec/instance-checks',
  'codec/wire',
  'codec/defaults-migrations',
  'codec/msgpack-reader',
  'codec/msgpack-writer',
  'codec/read-kinds',
  'codec/read-rule',
  'codec/removed-fields',
  'codec/stable-names',
  'codec/write-rule',
  'codec/schema-evolution',
  'codec/untyped-reader',
  'codec/read-compat',
  'codec/schemaless-decoder',
  'codec/blob-reader',
  'codec/class-readers',
  'codec/msgpack-cursor',
  'paging/auto-page-out',
  'paging/copy',
  'paging/declared-roots',
  'paging/gc-window',
  'paging/gc',
  'paging/given-back',
  'paging/identity',
  'paging/integrity',
  'paging/memory-storage',
  'paging/page-out',
  'paging/page-out-batches',
  'paging/page-out-commit',
  'paging/page-out-pending',
  'paging/kept-room',
  'paging/known-blobs',
  'paging/page-out-queue',
  'paging/page-out-run',
  'paging/schema-frames',
  'paging/storage-base',
  'paging/kept-alive',
  'paging/blob-io',
  'paging/page-in-schemas',
  'paging/page-in-fetches',
  'paging/page-in-keys',
  'paging/page-in-identity',
  'paging/page-in-reentry',
  'paging/page-in-release',
  'paging/resave-records',
  'paging/pinned-in-field',
  'paging/resave',
  'paging/verify',
  'paging/raw-io-store',
  'blobstore/memory/arena',
  'blobstore/memory/key-index',
  'blobstore/memory/memory-blob-store',
  'metadata/class-transformer',
  'decorators/decorators',
  'plain/to-plain',
  'testing/round-trip',
  'cli/class-check',
  'cli/codec-views',
  'examples/custom-backend',
  'errors',
].map((name) => `build/test/${name}.test.js`);

// Property tests run PAGABLE_FUZZ cases when it is set (test/support/env.ts): few here, since every
// surviving mutant runs every test that covers it. Set it to run the usual counts.
process.env.PAGABLE_FUZZ ??= '30';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/keys/**/*.ts', 'src/codec/**/*.ts', 'src/paging/**/*.ts', 'src/arc/**/*.ts', 'src/blobstore/memory/**/*.ts'],
  testRunner: 'mocha',
  mochaOptions: {
    'no-config': true,
    'no-package': true,
    spec: tests,
  },
  testRunnerNodeArgs: ['--expose-gc'],
  coverageAnalysis: 'perTest',
  // A mutant of code that runs when a module loads (tables, constants) needs a fresh process and
  // every test for each run: hours here. They are left out of the score (shown as Ignored).
  ignoreStatic: true,
  // Run before node_modules is linked into the sandbox; it lies inside the project, so `tsc` and
  // the types are found in the project's node_modules all the same.
  buildCommand: 'tsc -b tsconfig.json',
  // The instrumented sources do not type-check (mutants are behind switches): `// @ts-nocheck`.
  disableTypeChecks: 'src/**/*.ts',
  // Only what the build and the tests read goes into the sandbox (dist/ too: the tutorials import
  // 'pagable', which is dist/; they are not what is mutated).
  ignorePatterns: ['docs', 'reports', 'tools', '.pagable-demo'],
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: false },
  // Two shared cores: one runner per core. A busy machine runs slower than the dry run measured.
  concurrency: 2,
  timeoutMS: 10000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 80, break: null },
};
