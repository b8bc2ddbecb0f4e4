/*
 * Blobs in flight (src/blobstore/lmdb/pending-writes.ts): a store reads its own writes before they
 * commit. A blob in two writes at once stays readable until both have ended, with its own bytes,
 * even after the batch it was first noted from has ended and been cleared for the next page-out
 * (found by the stress test in CI: the read went to the cleared batch and failed, where a refilled
 * batch would have handed out another blob's bytes).
 */
import { expect } from 'chai';
import { BlobBatch, FRAME_HEAD, frameKey, writeFrameHead } from '../../../src/keys/blob-batch.js';
import { keyFromBytes } from '../../../src/keys/data.js';
import { PendingWrites } from '../../../src/blobstore/lmdb/pending-writes.js';

/** A batch holding one childless blob per entry of `datas`, framed in one slab, with their keys. */
function batchOf(datas: readonly Uint8Array[]): BlobBatch {
  const slab = new Uint8Array(datas.reduce((n, d) => n + FRAME_HEAD + d.length, 0));
  const keys = new Uint8Array(16 * datas.length);
  const b = new BlobBatch();
  let at = 0;
  datas.forEach((d, i) => {
    writeFrameHead(slab, at, 0);
    slab.set(d, at + FRAME_HEAD);
    frameKey(slab, at, d.length, 0, keys, 16 * i);
    b.add(slab, at, d.length, 0, keys, 16 * i);
    at += FRAME_HEAD + d.length;
  });
  return b;
}

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);

describe('PendingWrites', () => {
  it('reads a blob of a batch in flight, and forgets it once the write ends', () => {
    const p = new PendingWrites();
    const b = batchOf([bytes(1, 2, 3), bytes(4)]);
    p.addBatch(b);
    expect(p.idle).to.equal(false);
    expect(p.get(b.key(1))).to.deep.equal({ data: bytes(4), arcs: [] });
    p.doneBatch(b);
    expect(p.idle).to.equal(true);
    expect(p.get(b.key(1))).to.equal(undefined);
  });

  it('keeps a blob in two writes readable, with its own bytes, after the first batch ended and was reused', () => {
    const p = new PendingWrites();
    const shared = bytes(7, 7, 7);
    const first = batchOf([bytes(1), shared]);
    const second = batchOf([shared, bytes(2)]);
    const key = first.key(1);
    expect(second.key(0)).to.equal(key);
    p.addBatch(first);
    // Reads of other blobs index each batch: the shared blob is noted from the first, not read yet.
    expect(p.get(first.key(0))?.data).to.deep.equal(bytes(1));
    p.addBatch(second);
    expect(p.get(second.key(1))?.data).to.deep.equal(bytes(2));
    p.doneBatch(first);
    // The page-out that wrote the first batch clears it for its next batch, and refills it.
    first.clear();
    const other = batchOf([bytes(9, 9, 9, 9), bytes(8, 8, 8, 8)]);
    for (let i = 0; i < 2; i++) first.add(other.slab(i), other.at[i]!, other.length[i]!, 0, other.keys, 16 * i);
    expect(p.get(key)?.data).to.deep.equal(shared);
    p.doneBatch(second);
    expect(p.get(key)).to.equal(undefined);
    expect(p.idle).to.equal(true);
  });

  it('keeps a blob of one write and a batch until both ended', () => {
    const p = new PendingWrites();
    const b = batchOf([bytes(5, 5), bytes(6)]);
    const key = b.key(0);
    p.addBatch(b);
    expect(p.get(b.key(1))?.data).to.deep.equal(bytes(6));
    const entries = [{ key, data: { data: bytes(5, 5), arcs: [] } }];
    p.add(entries);
    p.doneBatch(b);
    b.clear();
    expect(p.get(key)?.data).to.deep.equal(bytes(5, 5));
    p.done(entries);
    expect(p.get(keyFromBytes(b.keys, 0))).to.equal(undefined);
    expect(p.idle).to.equal(true);
  });
});
