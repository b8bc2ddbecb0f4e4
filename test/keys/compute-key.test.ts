import { blake3 } from '@noble/hashes/blake3.js';
import { expect } from 'chai';
import fc from 'fast-check';
import { computeKey } from '../../src/index.js';

/*
 * computeKey against the Rust crate's DataKey::compute spelled out with @noble/hashes (the
 * reference BLAKE3, independent of src/keys): u64 LE child count, body, each child's 16 bytes;
 * the first 16 bytes of the hash, with a zero first half made 01 00 .. 00.
 */
function referenceKey(data: Uint8Array, arcs: readonly string[]): string {
  const buf = new Uint8Array(8 + data.length + 16 * arcs.length);
  new DataView(buf.buffer).setBigUint64(0, BigInt(arcs.length), true);
  buf.set(data, 8);
  arcs.forEach((k, i) => buf.set(Buffer.from(k, 'hex'), 8 + data.length + 16 * i));
  const d = blake3(buf).subarray(0, 16);
  if (d.subarray(0, 8).every((b) => b === 0)) d[0] = 1;
  return Buffer.from(d).toString('hex');
}

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));

/** A child key from a number, so long child lists are cheap to make. */
const childKey = (i: number, salt = 0): string => (i * 2654435761 + salt).toString(16).padStart(8, '0').slice(-8).repeat(4);

type ComputeKeyModule = typeof import('../../src/keys/compute-key.js');

let instances = 0;
/** A fresh instance of the module, as a new process has it: its scratch space for child keys not yet grown. */
async function freshComputeKey(): Promise<ComputeKeyModule['computeKey']> {
  const url = new URL(`../../src/keys/compute-key.js?fresh=${++instances}`, import.meta.url).href;
  return ((await import(url)) as ComputeKeyModule).computeKey;
}

describe('computeKey (against @noble/hashes)', () => {
  it('in a new process, hashes its first blob whole: no children, or more than 64', async () => {
    for (const n of [0, 65, 100, 300]) {
      const compute = await freshComputeKey();
      const arcs = Array.from({ length: n }, (_, i) => childKey(i, n));
      expect(compute({ data: new Uint8Array(), arcs }), `${n} children`).to.equal(referenceKey(new Uint8Array(), arcs));
    }
  });

  it('equals the reference for every child count from 0 to 300', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5]);
    // Rising then falling counts: the scratch space for child keys is grown and then reused.
    const counts = [...Array.from({ length: 301 }, (_, n) => n), 64, 65, 1, 300, 129, 0];
    for (const n of counts) {
      const arcs = Array.from({ length: n }, (_, i) => childKey(i, n));
      expect(computeKey({ data, arcs }), `${n} children`).to.equal(referenceKey(data, arcs));
    }
  });

  it('keeps keys whose first bytes are partly zero as they are: the fix-up is for all eight', () => {
    // Found by search: bodies (a u32 LE counter in 8 bytes) whose keys end their first half in zeros.
    const body = (n: number): Uint8Array => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    const vectors: Array<[number, string]> = [
      [12978, '3605ec7eb8d80000351cdd38c97ccd08'], // bytes 6 and 7 zero
      [26980634, 'c5f9ce404a00000055dff681375aeb30'], // bytes 5, 6 and 7 zero
    ];
    for (const [n, key] of vectors) {
      expect(referenceKey(body(n), [])).to.equal(key);
      expect(computeKey({ data: body(n), arcs: [] })).to.equal(key);
    }
  });

  it('depends on every child: two blobs differing only in their last child get different keys', () => {
    for (const n of [1, 2, 63, 64, 65, 66, 128, 129, 257, 300]) {
      const arcs = Array.from({ length: n }, (_, i) => childKey(i));
      const other = [...arcs.slice(0, -1), childKey(n, 1)];
      const a = computeKey({ data: new Uint8Array(), arcs });
      const b = computeKey({ data: new Uint8Array(), arcs: other });
      expect(a, `${n} children`).to.not.equal(b);
      expect(b).to.equal(referenceKey(new Uint8Array(), other));
    }
  });

  it('equals the reference for random bodies and child lists', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.oneof(fc.array(key16, { maxLength: 8 }), fc.array(key16, { minLength: 60, maxLength: 140 })),
        (data, arcs) => {
          expect(computeKey({ data, arcs })).to.equal(referenceKey(data, arcs));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves its inputs untouched and returns the same key for the same blob', () => {
    const data = Uint8Array.from([9, 8, 7]);
    const arcs = Array.from({ length: 70 }, (_, i) => childKey(i));
    const first = computeKey({ data, arcs });
    computeKey({ data: new Uint8Array(5000), arcs: Array.from({ length: 200 }, (_, i) => childKey(i, 7)) });
    expect(computeKey({ data, arcs })).to.equal(first);
    expect([...data]).to.deep.equal([9, 8, 7]);
    expect(arcs).to.have.length(70);
  });
});
