/*
 * frameKey names a framed blob where it lies, without computeKey's copy: byte for byte the key
 * computeKey gives (and so the Rust crate's), for every size around the 64-byte block and
 * 1,024-byte chunk edges, at any offset in its slab, with and without the word view the page-out
 * passes (which is used only for whole blocks starting at a multiple of 4). `grown` is how the
 * runtime's typed lists grow (and shrink back).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { computeKey } from '../../src/index.js';
import { FRAME_HEAD, frameKey, grown, writeFrameHead } from '../../src/keys/blob-batch.js';
import { fuzzRuns } from '../support/env.js';

/** A slab holding the blob `data` with `children` framed at `at`, its bytes around the frame filled with junk. */
function framed(data: Uint8Array, children: Uint8Array[], at: number, slabOffset: number): Uint8Array {
  const size = at + FRAME_HEAD + data.length + 16 * children.length + 80;
  const buffer = new ArrayBuffer(slabOffset + size);
  const slab = new Uint8Array(buffer, slabOffset, size);
  for (let i = 0; i < size; i++) slab[i] = (i * 131 + 7) & 0xff;
  writeFrameHead(slab, at, children.length);
  slab.set(data, at + FRAME_HEAD);
  children.forEach((c, i) => slab.set(c, at + FRAME_HEAD + data.length + 16 * i));
  return slab;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function expectFrameKey(data: Uint8Array, children: Uint8Array[], at: number, slabOffset: number): void {
  const slab = framed(data, children, at, slabOffset);
  const expected = computeKey({ data, arcs: children.map(hex) });
  const out = new Uint8Array(40);
  frameKey(slab, at, data.length, children.length, out, 7);
  expect(hex(out.subarray(7, 23)), `no words, ${data.length} B, ${children.length} children at ${at}`).to.equal(expected);
  if (slabOffset % 4 === 0) {
    const words = new Int32Array(slab.buffer, slab.byteOffset, slab.length >> 2);
    const out2 = new Uint8Array(16);
    frameKey(slab, at, data.length, children.length, out2, 0, words);
    expect(hex(out2), `words, ${data.length} B, ${children.length} children at ${at}`).to.equal(expected);
  }
}

const bytes = (n: number, salt: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 29 + salt * 7 + 1) & 0xff);

describe('frameKey (a framed blob named where it lies)', () => {
  it('is computeKey at every size around the block and chunk edges, aligned or not, with and without words', () => {
    const sizes = [0, 1, 3, 4, 5, 47, 48, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 999, 1000, 1001, 1007, 1008, 1009, 1016, 1100, 3000];
    for (const size of sizes) {
      for (const n of [0, 1, 3]) {
        for (const at of [0, 1, 4, 6, 64]) {
          for (const slabOffset of [0, 4, 3])
            expectFrameKey(
              bytes(size, n),
              Array.from({ length: n }, (_, i) => bytes(16, 100 + i)),
              at,
              slabOffset,
            );
        }
      }
    }
  });

  it('is computeKey for random blobs at random places (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1200 }),
        fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 70 }),
        fc.nat(130),
        fc.constantFrom(0, 4, 8, 1, 2, 3),
        (data, children, at, slabOffset) => expectFrameKey(data, children, at, slabOffset),
      ),
      { numRuns: fuzzRuns(300) },
    );
  });
});

describe('grown (typed lists grow by doubling)', () => {
  it('copies the list into a larger one, zero after its end, or its first entries into a smaller one', () => {
    const a = Int32Array.from([1, 2, 3, 4]);
    const b = grown(a, 8);
    expect(b).to.be.instanceOf(Int32Array);
    expect([...b]).to.deep.equal([1, 2, 3, 4, 0, 0, 0, 0]);
    expect([...grown(a, 4)]).to.deep.equal([1, 2, 3, 4]);
    expect(grown(a, 4)).to.not.equal(a);
    const c = grown(Uint8Array.from([9, 8, 7]), 2);
    expect(c).to.be.instanceOf(Uint8Array);
    expect([...c]).to.deep.equal([9, 8]);
  });
});
