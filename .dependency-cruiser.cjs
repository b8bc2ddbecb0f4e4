/*
 * The architecture, checked (npm run check:deps, and test/architecture.test.ts in npm test).
 * Imports flow one way:
 *
 *   decorators ─► metadata ◄─ codec ◄─ paging ─► arc
 *                                       │
 *                       keys ◄── blobstore ◄─┘        storage ─► paging, blobstore
 *
 * keys (DataKey, computeKey, BLAKE3), text (WTF-8: the bytes of a string, in blobs and in stores'
 * root names alike) and error are leaves everyone may use. Type-only imports
 * are erased by TypeScript and are not checked (an interface may name a type from above).
 */
const folder = (name) => `^src/${name}/`;
const only = (from, allowed, why) => ({
  name: `${from}-imports`,
  comment: why,
  severity: 'error',
  from: { path: folder(from) },
  to: { path: '^src/', pathNot: [folder(from), ...allowed.map(folder), folder('text'), '^src/error\\.ts$'] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'a cycle of runtime imports', from: {}, to: { circular: true } },
    only('keys', [], 'content keys and hashing know nothing else'),
    {
      name: 'text-imports',
      comment: 'string encodings (WTF-8) are a leaf: they know nothing else',
      severity: 'error',
      from: { path: folder('text') },
      to: { path: '^src/', pathNot: [folder('text')] },
    },
    only('metadata', [], 'metadata is recorded by decorators and read by the codec'),
    only('decorators', ['metadata'], 'decorators only record metadata'),
    only('codec', ['metadata', 'keys'], 'the codec knows bytes and metadata, never arcs, I/O or storages'),
    only('blobstore', ['keys'], 'blob stores know neither arcs, codecs, paging nor each other'),
    only('arc', ['keys', 'metadata'], 'arcs reach their storage through ArcHost only'),
    only('paging', ['arc', 'codec', 'blobstore', 'keys', 'metadata'], 'the runtime uses all of them, and nothing above it'),
    only('storage', ['paging', 'blobstore', 'keys', 'metadata', 'codec'], 'the public storages are the runtime over their stores'),
    {
      name: 'explore-imports',
      comment:
        "the explorer (pagable explore) reads stores through the runtime and blob contents through one adapter, describe.ts (today over the CLI's blob view)",
      severity: 'error',
      from: { path: '^src/explore/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/explore/',
          '^src/(paging|storage|blobstore|codec|keys|metadata|text)/',
          '^src/error\\.ts$',
          '^src/cli/blob-view\\.ts$',
        ],
      },
    },
    {
      name: 'plain-imports',
      comment:
        'plain (JSON) views of graphs encode live values with the runtime and read stored blobs through the views the CLI shows them with',
      severity: 'error',
      from: { path: '^src/plain/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/plain/',
          '^src/(paging|arc|codec|keys|metadata)/',
          '^src/error\\.ts$',
          '^src/cli/(blob-view|schema-prefetch)\\.ts$',
        ],
      },
    },
    {
      name: 'blobstores-independent',
      comment: 'a backend never imports another backend (wrappers take stores as arguments)',
      severity: 'error',
      from: { path: '^src/blobstore/(memory|lmdb|redis)[^/]*\\.ts$' },
      to: { path: '^src/blobstore/(memory|lmdb|redis)', pathNot: '$1' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.build.json' },
    exclude: { path: '^(node_modules|build|dist)' },
  },
};
