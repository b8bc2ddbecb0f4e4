import { expect } from 'chai';
import fc from 'fast-check';
import { computeKey, isDataKey, PagableError } from '../../src/index.js';
import { blake3_128_reference } from '../../src/keys/blake3.js';

const EMPTY = '71e0a99173564931c0b8acc52d2685a8';
const ONE_TWO_THREE = '60acc560af3c172804ca72879e2bdc57';

/** The Rust crate's DataKey::compute, spelled out with the reference hash. */
function referenceKey(data: Uint8Array, arcs: string[]): string {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(arcs.length), true);
  const parts = [head, data, ...arcs.map((k) => Uint8Array.from(Buffer.from(k, 'hex')))];
  const d = blake3_128_reference(parts);
  if (d.subarray(0, 8).every((b) => b === 0)) d[0] = 1;
  return Buffer.from(d).toString('hex');
}

describe('keys', () => {
  it('matches the Rust crate on the test vectors', () => {
    expect(computeKey({ data: new Uint8Array(), arcs: [] })).to.equal(EMPTY);
    expect(computeKey({ data: new Uint8Array([1, 2, 3]), arcs: [] })).to.equal(ONE_TWO_THREE);
    // Child keys are hashed in the order given. The third vector (the Rust crate's, as in docs/design.md §4.1) is the 01 02 03 key
    // followed by the empty-data key.
    const data = new TextEncoder().encode('pagable');
    expect(computeKey({ data, arcs: [ONE_TWO_THREE, EMPTY] })).to.equal('7c3341c841370af19df73ab6591c25d5');
    expect(computeKey({ data, arcs: [EMPTY, ONE_TWO_THREE] })).to.equal('60188ec0ee532275328cf38922e6b4f9');
  });

  it('is 32 lowercase hex chars and depends on data, children and their order', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 6 }),
        (data, raw) => {
          const arcs = raw.map((b) => Buffer.from(b).toString('hex'));
          const k = computeKey({ data, arcs });
          expect(isDataKey(k)).to.equal(true);
          expect(k).to.equal(referenceKey(data, arcs));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses malformed child keys with CORRUPT', () => {
    for (const bad of ['xyz', 'A'.repeat(32), '0'.repeat(31), 'é'.repeat(32)]) {
      expect(() => computeKey({ data: new Uint8Array(), arcs: [bad] }))
        .to.throw(PagableError)
        .with.property('code', 'CORRUPT');
    }
  });
});
