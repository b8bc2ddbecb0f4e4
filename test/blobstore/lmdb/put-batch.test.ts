import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { BlobBatch, FRAME_HEAD, writeFrameHead } from '../../../src/keys/blob-batch.js';
import { expectError } from '../../support/expect-error.js';

/*
 * A page-out hands the LMDB store its blobs as a byte batch (keys/blob-batch.ts): records are
 * written from the frames, and the batch is readable while its write is in flight.
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

/** The blobs framed as a page-out frames them, each in a slab of its own at an odd offset. */
function batchOf(blobs: ReadonlyArray<{ key: DataKey; data: PagableData }>): BlobBatch {
  const batch = new BlobBatch();
  for (const { key, data } of blobs) {
    const at = 12;
    const slab = new Uint8Array(at + FRAME_HEAD + data.data.length + 16 * data.arcs.length);
    writeFrameHead(slab, at, data.arcs.length);
    slab.set(data.data, at + FRAME_HEAD);
    data.arcs.forEach((k, c) => slab.set(Buffer.from(k, 'hex'), at + FRAME_HEAD + data.data.length + 16 * c));
    batch.add(slab, at, data.data.length, data.arcs.length, Buffer.from(key, 'hex'), 0);
  }
  return batch;
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
    for (const slab of batch.slabs) (slab as Uint8Array).fill(0);
    expect(text(s.getSync(a.key))).to.equal('in flight');
    expect(s.getSync(b.key)).to.deep.equal(b.data);
    await s.close();
  });

  it('while a sweep is open, a batch whose child is gone is NOT_FOUND and writes nothing; the batch is recorded', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const child = blob('child');
    await s.putMany([child]);
    const seq = await s.sweeps.begin();
    expect(await s.sweeps.deleteIfUntouched([child.key], seq)).to.equal(5);
    const parent = blob('parent', [child.key]);
    const other = blob('other');
    const e = await expectError(Promise.resolve(s.putBatch(batchOf([other, parent]), false)), 'NOT_FOUND');
    expect(e.message).to.contain(child.key).and.contain(parent.key);
    expect(s.hasMany([parent.key, other.key])).to.deep.equal([false, false]);
    // With the child in the same batch it is fine, and the gc sees every key of it as touched.
    await s.putBatch(batchOf([parent, child]), true);
    expect(s.hasMany([parent.key, child.key])).to.deep.equal([true, true]);
    const t = await s.sweeps.touchedSince(seq);
    expect(t.keys.sort()).to.deep.equal([parent.key, child.key].sort());
    await s.sweeps.end();
    await s.close();
  });
});
