import { expect } from 'chai';
import fc from 'fast-check';
import { WriteScratch } from '../../../src/blobstore/lmdb/write-txn.js';

/*
 * The LMDB store puts a batch's blobs in key order (write-txn.ts, WriteScratch.order): the order
 * must be a permutation of the batch, sorted as LMDB compares keys (bytewise), for every size
 * (the counting sort's bucket count follows it) and with equal keys (a batch holds a blob twice
 * when two values encode alike).
 */
describe('LMDB batch write order', () => {
  const keyBatch = fc
    .array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 300 })
    .chain((ks) => fc.tuple(fc.constant(ks), fc.array(fc.nat({ max: Math.max(0, ks.length - 1) }), { maxLength: ks.length ? 20 : 0 })));

  it('is every blob once, sorted bytewise, whatever the keys and however many', () => {
    const scratch = new WriteScratch();
    fc.assert(
      fc.property(keyBatch, ([distinct, copies]) => {
        // Some keys twice, and keys sharing their first bytes (the same bucket), as real batches have.
        const list = [...distinct, ...copies.map((i) => distinct[i]!)];
        const keys = new Uint8Array(16 * list.length);
        list.forEach((k, i) => keys.set(k, 16 * i));
        const order = Array.from(scratch.order(keys, list.length).subarray(0, list.length));
        expect([...order].sort((a, b) => a - b)).to.deep.equal(list.map((_, i) => i));
        const sorted = order.map((i) => Buffer.from(list[i]!));
        for (let j = 1; j < sorted.length; j++) expect(Buffer.compare(sorted[j - 1]!, sorted[j]!)).to.be.at.most(0);
      }),
      { numRuns: 200 },
    );
  });

  it('orders keys that differ only in their last byte', () => {
    const scratch = new WriteScratch();
    const keys = new Uint8Array(16 * 3);
    keys[15] = 9;
    keys[31] = 2;
    keys[47] = 5;
    expect(Array.from(scratch.order(keys, 3).subarray(0, 3))).to.deep.equal([1, 2, 0]);
  });
});
