/*
 * The architecture, checked (npm run check:deps, and test/architecture.test.ts in npm test).
 * Imports flow one way:
 *
 *   decorators ─► metadata ◄─ codec ◄─ paging ─► arc
 *                                       │
 *                       keys ◄── blobstore ◄─┘   (paging/*-storage.ts: the public storages)
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
    only(
      'view',
      ['codec', 'keys', 'metadata'],
      'views of stored blobs (labelled by their schemas) read bytes with the codec; the CLI, the explorer and the plain views all use them',
    ),
    only(
      'plain',
      ['paging', 'arc', 'codec', 'keys', 'metadata', 'view'],
      'plain (JSON) views encode live graphs with the runtime and read stored blobs through the blob views',
    ),
    only(
      'explore',
      ['paging', 'blobstore', 'codec', 'keys', 'metadata', 'view'],
      'the explorer reads stores through the runtime and blob contents through the blob views',
    ),
    only(
      'testing',
      ['paging', 'blobstore', 'arc', 'codec', 'keys', 'metadata', 'decorators'],
      'the conformance kit and roundTrip (pagable/testing) drive the public runtime',
    ),
    only(
      'cli',
      ['paging', 'blobstore', 'codec', 'keys', 'metadata', 'view', 'plain', 'explore'],
      'the command line sits on top of everything but the testing kit',
    ),
    {
      name: 'blobstores-independent',
      comment: 'a backend never imports another backend (wrappers take stores as arguments)',
      severity: 'error',
      from: { path: '^src/blobstore/(memory|lmdb|redis)/' },
      to: { path: '^src/blobstore/(memory|lmdb|redis)/', pathNot: '^src/blobstore/$1/' },
    },
    {
      name: 'backends-own-their-files',
      comment: "the shared blob-store files (interface, base, wrappers) never import a backend's files",
      severity: 'error',
      from: { path: '^src/blobstore/[^/]+\\.ts$' },
      to: { path: '^src/blobstore/(memory|lmdb|redis)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.build.json' },
    exclude: { path: '^(node_modules|build|dist)' },
  },
};
