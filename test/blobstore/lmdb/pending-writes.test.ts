/*
 * Blobs in flight (src/blobstore/lmdb/pending-writes.ts): a store reads its own writes before they
 * commit. A blob in two writes at once stays readable until both have ended, with its own bytes,
 * even after the batch it was first noted from has ended and been cleared for the next page-out
 * (found by the stress test in CI: the read went to the cleared batch and failed, where a refilled
 * batch would have handed out another blob's bytes).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { BlobBatch } from '../../../src/keys/blob-batch.js';
import { computeKey } from '../../../src/keys/compute-key.js';
import type { DataKey, PagableData } from '../../../src/keys/data.js';
import type { BlobEntry } from '../../../src/blobstore/interface.js';
import { PendingWrites } from '../../../src/blobstore/lmdb/pending-writes.js';
import { batchOf } from '../../support/blob-batches.js';

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
/** A childless blob with its key. */
const blob = (data: Uint8Array): BlobEntry => {
  const d: PagableData = { data, arcs: [] };
  return { key: computeKey(d), data: d };
};
/** A batch of childless blobs, and their keys. */
function batch(...datas: Uint8Array[]): { b: BlobBatch; keys: DataKey[] } {
  const blobs = datas.map(blob);
  return { b: batchOf(blobs), keys: blobs.map((e) => e.key) };
}
/** Clears `b` and refills it with other blobs, as a page-out reuses its batch once the write ended. */
function reuse(b: BlobBatch, ...datas: Uint8Array[]): void {
  const other = batch(...datas).b;
  b.clear();
  for (let i = 0; i < other.count; i++) b.add(other.slab(i), other.at[i]!, other.length[i]!, 0, other.keys, 16 * i);
}

describe('PendingWrites', () => {
  it('reads a blob of a batch in flight, and forgets it once the write ends', () => {
    const p = new PendingWrites();
    const { b, keys } = batch(bytes(1, 2, 3), bytes(4));
    p.addBatch(b);
    expect(p.idle).to.equal(false);
    expect(p.get(keys[1]!)).to.deep.equal({ data: bytes(4), arcs: [] });
    p.doneBatch(b);
    expect(p.idle).to.equal(true);
    expect(p.get(keys[1]!)).to.equal(undefined);
  });

  it('keeps a blob in two writes readable, with its own bytes, after the first batch ended and was reused', () => {
    const p = new PendingWrites();
    const shared = bytes(7, 7, 7);
    const first = batch(bytes(1), shared);
    const second = batch(shared, bytes(2));
    const key = first.keys[1]!;
    expect(second.keys[0]).to.equal(key);
    p.addBatch(first.b);
    // Reads of other blobs index each batch: the shared blob is noted from the first, not read yet.
    expect(p.get(first.keys[0]!)?.data).to.deep.equal(bytes(1));
    p.addBatch(second.b);
    expect(p.get(second.keys[1]!)?.data).to.deep.equal(bytes(2));
    p.doneBatch(first.b);
    reuse(first.b, bytes(9, 9, 9, 9), bytes(8, 8, 8, 8));
    expect(p.get(key)?.data).to.deep.equal(shared);
    p.doneBatch(second.b);
    expect(p.get(key)).to.equal(undefined);
    expect(p.idle).to.equal(true);
  });

  it('keeps a blob of one write and a batch until both ended', () => {
    const p = new PendingWrites();
    const { b, keys } = batch(bytes(5, 5), bytes(6));
    const key = keys[0]!;
    p.addBatch(b);
    expect(p.get(keys[1]!)?.data).to.deep.equal(bytes(6));
    const entries = [blob(bytes(5, 5))];
    p.add(entries);
    p.doneBatch(b);
    b.clear();
    expect(p.get(key)?.data).to.deep.equal(bytes(5, 5));
    p.done(entries);
    expect(p.get(key)).to.equal(undefined);
    expect(p.idle).to.equal(true);
  });

  // Any interleaving of writes (batches and entry lists) over a small pool of contents, reads at any
  // time, and ended batches reused at once: a read answers what a count of writes per key would.
  it('property: answers the bytes of every blob in flight and nothing else, under any interleaving', () => {
    const pool = Array.from({ length: 6 }, (_, i) => bytes(i, i + 1, i + 2));
    const poolKeys = pool.map((d) => blob(d).key);
    type Write = { kind: 'batch'; b: BlobBatch; items: number[] } | { kind: 'entries'; entries: BlobEntry[]; items: number[] };
    const op = fc.oneof(
      fc.record({
        t: fc.constant('start' as const),
        batch: fc.boolean(),
        items: fc.uniqueArray(fc.nat(5), { minLength: 1, maxLength: 4 }),
      }),
      fc.record({ t: fc.constant('end' as const), which: fc.nat() }),
      fc.record({ t: fc.constant('read' as const), item: fc.nat(5) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
        const p = new PendingWrites();
        const inFlight: Write[] = [];
        const count = new Array<number>(pool.length).fill(0);
        for (const o of ops) {
          if (o.t === 'start') {
            const datas = o.items.map((i) => pool[i]!);
            const w: Write = o.batch
              ? { kind: 'batch', b: batch(...datas).b, items: o.items }
              : { kind: 'entries', entries: datas.map(blob), items: o.items };
            if (w.kind === 'batch') p.addBatch(w.b);
            else p.add(w.entries);
            for (const i of o.items) count[i]!++;
            inFlight.push(w);
          } else if (o.t === 'end') {
            if (inFlight.length === 0) continue;
            const [w] = inFlight.splice(o.which % inFlight.length, 1);
            if (w!.kind === 'batch') {
              p.doneBatch(w!.b);
              reuse(w!.b, bytes(0xee, 0xee), bytes(0xdd));
            } else {
              p.done(w!.entries);
            }
            for (const i of w!.items) count[i]!--;
          } else {
            const got = p.get(poolKeys[o.item]!);
            if (count[o.item]! > 0) expect(got?.data).to.deep.equal(pool[o.item]);
            else expect(got).to.equal(undefined);
          }
        }
        expect(p.idle).to.equal(inFlight.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
