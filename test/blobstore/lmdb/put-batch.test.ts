import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { batchOf } from '../../support/blob-batches.js';

/*
 * A page-out hands the LMDB store its blobs as a byte batch (keys/blob-batch.ts): records are
 * written from the frames, and the batch is readable while its write is in flight. (Its writes
 * while a sweep is open: lmdb-blob-store.test.ts.)
 */

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagable-lmdb-batch-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function blob(text: string, arcs: DataKey[] = []): { key: DataKey; data: PagableData } {
  const data: PagableData = { data: new TextEncoder().encode(text), arcs };
  return { key: computeKey(data), data };
}

function text(b: PagableData | undefined): string | undefined {
  return b === undefined ? undefined : new TextDecoder().decode(b.data);
}

describe('LmdbBlobStore.putBatch', function () {
  this.timeout(60_000);

  for (const sync of [false, true]) {
    it(`writes the absent blobs of a batch from their frames, ${sync ? 'committed when it returns' : 'resolved once committed'}`, async () => {
      const s = await LmdbBlobStore.open(freshDir());
      const leaf = blob('leaf');
      const large = blob('x'.repeat(100_000));
      const parent = blob('parent', [leaf.key, large.key]);
      await s.putMany([leaf]);
      const batch = batchOf([leaf, large, parent, parent]);
      await s.putBatch(batch, sync);
      expect([...batch.written.subarray(0, 4)]).to.deep.equal([0, 1, 1, 0]);
      for (const b of [leaf, large, parent]) {
        expect(s.getSync(b.key)).to.deep.equal(b.data);
        expect(s.viewSync(b.key)).to.deep.equal(b.data);
      }
      expect(s.count()).to.deep.equal({ blobs: 3, bytes: 4 + 100_000 + 6 });
      // Another handle reads what was committed.
      const other = await LmdbBlobStore.open(s.path);
      expect(other.getSync(parent.key)).to.deep.equal(parent.data);
      await other.close();
      await s.close();
    });
  }

  it('reads its own batch before it commits, and the store once it has', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('in flight');
    const b = blob('also in flight', [a.key]);
    const batch = batchOf([a, b]);
    const p = s.putBatch(batch, false);
    expect(text(s.getSync(b.key))).to.equal('also in flight');
    expect(s.viewSync(b.key)!.arcs).to.deep.equal([a.key]);
    expect(s.hasMany([a.key, blob('absent').key])).to.deep.equal([true, false]);
    await p;
    // The batch's slabs are reused after its write: reads come from the store now.
    for (const slab of batch.slabList) slab.fill(0);
    expect(text(s.getSync(a.key))).to.equal('in flight');
    expect(s.getSync(b.key)).to.deep.equal(b.data);
    await s.close();
  });
});
