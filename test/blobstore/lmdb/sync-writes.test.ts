/*
 * LmdbBlobStore.putManySync: the synchronous transaction that lets a page-out run on the caller's
 * stack. The BlobStore suite on LMDB, and what only LMDB has: another handle sees the write at
 * once, and a synchronous write while an asynchronous one is in flight neither deadlocks nor loses
 * either.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { blobStoreConformance, entryOf } from '../../../src/testing/index.js';
import { expectError } from '../../support/expect-error.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagable-lmdb-sync-'));
  dirs.push(d);
  return d;
}
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

blobStoreConformance({ name: 'lmdb', create: () => LmdbBlobStore.open(freshDir()) });

describe('LmdbBlobStore.putManySync', () => {
  it('commits before it returns: another handle on the directory reads the blobs at once', async () => {
    const dir = freshDir();
    const a = await LmdbBlobStore.open(dir);
    const b = await LmdbBlobStore.open(dir);
    try {
      const x = entryOf('written synchronously');
      expect(a.putManySync([x])).to.deep.equal([true]);
      expect(b.getSync(x.key)?.data).to.deep.equal(x.data.data);
      expect(a.count().blobs).to.equal(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('while an asynchronous write is in flight, both land', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    try {
      const first = entryOf('asynchronous');
      const second = entryOf('synchronous');
      const pending = s.putMany([first]);
      expect(s.putManySync([second, first])[0]).to.equal(true);
      await pending;
      expect(s.hasMany([first.key, second.key])).to.deep.equal([true, true]);
    } finally {
      await s.close();
    }
  });

  it('on a store opened read-only is IO, and nothing is written', async () => {
    const dir = freshDir();
    await (await LmdbBlobStore.open(dir)).close();
    const s = await LmdbBlobStore.open(dir, { readOnly: true });
    try {
      await expectError(() => s.putManySync([entryOf('x')]), 'IO');
    } finally {
      await s.close();
    }
  });
});
