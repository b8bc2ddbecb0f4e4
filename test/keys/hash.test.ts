import { expect } from 'chai';
import fc from 'fast-check';
import { blake3_128, blake3_128_portable, blake3_128_reference, blake3NativeAvailable } from '../../src/keys/blake3.js';

/*
 * The first 16 bytes of the official BLAKE3 test vectors (BLAKE3-team/BLAKE3,
 * test_vectors/test_vectors.json, "hash" mode): input i is the byte i % 251.
 */
const VECTORS: ReadonlyArray<readonly [number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc949'],
  [1, '2d3adedff11b61f14c886e35afa03673'],
  [1023, '10108970eeda3eb932baac1428c7a216'],
  [1024, '42214739f095a406f3fc83deb889744a'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf6220'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3'],
  [3072, 'b98cb0ff3623be03326b373de6b90952'],
  [3073, '7124b49501012f81cc7f11ca069ec922'],
  [4096, '015094013f57a5277b59d8475c050104'],
  [4097, '9b4052b38f1c5fc8b1f9ff7ac7b27cd2'],
  [5120, '9cadc15fed8b5d854562b26a9536d970'],
  [5121, '628bd2cb2004694adaab7bbd778a25df'],
  [6144, '3e2e5b74e048f3add6d21faab3f83aa4'],
  [6145, 'f1323a8631446cc50536a9f705ee5cb6'],
  [7168, '61da957ec2499a95d6b8023e2b0e604e'],
  [7169, 'a003fc7a51754a9b3c7fae0367ab3d78'],
  [8192, 'aae792484c8efe4f19e2ca7d371d8c46'],
  [8193, 'bab6c09cb8ce8cf459261398d2e7aef3'],
  [16384, 'f875d6646de28985646f34ee13be9a57'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860'],
];

const IMPLS = { blake3_128, blake3_128_portable, blake3_128_reference };

const hex = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString('hex');

function vectorInput(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

/** Splits `data` at the given cut points (any order, clamped) into a list of views. */
function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    parts.push(data.subarray(at, p));
    at = p;
  }
  parts.push(data.subarray(at));
  return parts;
}

/** Byte lengths around the boundaries that matter: BLAKE3 blocks/chunks, our thresholds, SIMD widths. */
const EDGES = [
  0, 1, 7, 8, 9, 63, 64, 65, 1023, 1024, 1025, 1535, 1536, 1537, 2047, 2048, 2049, 4095, 4096, 4097, 16383, 16384, 16385, 65535, 65536,
  65537,
];

const sizeNearEdge = fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -3, max: 3 })).map(([e, d]) => Math.max(0, e + d));
const partLength = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
  { weight: 3, arbitrary: sizeNearEdge },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }) },
);

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed | 1) >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('blake3_128', () => {
  for (const [name, fn] of Object.entries(IMPLS)) {
    it(`${name} matches the official BLAKE3 vectors (first 16 bytes)`, () => {
      for (const [n, want] of VECTORS) {
        const input = vectorInput(n);
        expect(hex(fn([input])), `length ${n}`).to.equal(want);
        // The same bytes cut into parts hash the same as one part.
        expect(hex(fn(splitAt(input, [8, n - 32, n - 16]))), `length ${n} in parts`).to.equal(want);
      }
    });
  }

  it('hashes no parts and empty parts as the empty input', () => {
    const empty = 'af1349b9f5f9a1a6a0404dea36dcc949';
    for (const fn of Object.values(IMPLS)) {
      expect(hex(fn([]))).to.equal(empty);
      expect(hex(fn([new Uint8Array(0), new Uint8Array(0)]))).to.equal(empty);
    }
  });

  it('returns a fresh, writable 16-byte Uint8Array each call', () => {
    for (const [fn, n] of [blake3_128, blake3_128_portable].flatMap((f) => [3, 600, 3000, 100_000].map((n) => [f, n] as const))) {
      const input = [bytes(n, n)];
      const a = fn(input);
      const b = fn(input);
      fn([bytes(n, n + 1)]); // a later call must not overwrite earlier results
      expect(a).to.be.instanceOf(Uint8Array);
      expect(Buffer.isBuffer(a), 'not a Buffer').to.equal(false);
      expect(a.length).to.equal(16);
      expect(a.byteOffset).to.equal(0);
      expect(a.buffer.byteLength).to.equal(16);
      expect(a).to.not.equal(b);
      expect(hex(a)).to.equal(hex(b));
      a[0] = a[0]! ^ 0xff; // the caller may patch the digest (computeKey does)
      expect(hex(b)).to.equal(hex(fn(input)));
    }
  });

  it('accepts Buffers and offset views, and leaves its inputs untouched', () => {
    const backing = bytes(70_000, 5);
    const copy = backing.slice();
    const parts = [Buffer.from(backing.buffer, 3, 8), backing.subarray(11, 20_000), Buffer.from(backing.subarray(20_000, 69_999))];
    expect(hex(blake3_128(parts))).to.equal(hex(blake3_128_reference(parts)));
    expect(hex(backing)).to.equal(hex(copy));
  });

  it('gives the same result on interleaved small and large calls (no state leaks between calls)', () => {
    const inputs = [bytes(10, 1), bytes(70_000, 2), bytes(600, 3), bytes(1 << 20, 4), bytes(40_000, 5)];
    const want = inputs.map((b) => hex(blake3_128_reference([b])));
    for (let round = 0; round < 3; round++) {
      inputs.forEach((b, i) => expect(hex(blake3_128(splitAt(b, [8, 9, 20_000]))), `input ${i}`).to.equal(want[i]));
    }
  });

  it("handles part lists that overflow the native path's 64 KB gathering buffer", () => {
    const cases: number[][] = [
      Array.from({ length: 10 }, () => 10_000), // small parts only, flushed mid-part
      [8, 65_528], // exactly fills it
      [8, 65_529], // one byte over
      [60_000, 16_384, 16], // a large part arriving on a nearly full buffer
      [8, 16_383, 16_384, 16_385, 8], // large parts of 16 KB and up go in directly
      [0, 1 << 17, 0, 1 << 17],
    ];
    cases.forEach((lengths, i) => {
      const parts = lengths.map((n, j) => bytes(n, 100 * i + j));
      expect(hex(blake3_128(parts)), `case ${i}`).to.equal(hex(blake3_128_reference(parts)));
    });
  });

  it('equals the reference for arbitrary part lists (sizes around 64, 1024, 1536, 2048, 4096, 16 KB, 64 KB)', () => {
    fc.assert(
      fc.property(fc.array(partLength, { maxLength: 8 }), fc.integer(), (lengths, seed) => {
        const parts = lengths.map((n, i) => bytes(n, seed + i));
        const want = hex(blake3_128_reference(parts));
        expect(hex(blake3_128(parts))).to.equal(want);
        expect(hex(blake3_128_portable(parts))).to.equal(want);
      }),
      { numRuns: 400 },
    );
  });

  it('equals the reference for the key shape: 8-byte header, body, 16 bytes per child', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 300 }), fc.integer(), (body, children, seed) => {
        const head = new Uint8Array(8);
        new DataView(head.buffer).setBigUint64(0, BigInt(children), true);
        const parts = children === 0 ? [head, body] : [head, body, bytes(16 * children, seed)];
        expect(hex(blake3_128(parts))).to.equal(hex(blake3_128_reference(parts)));
      }),
      { numRuns: 300 },
    );
  });

  it('equals the reference on large inputs (~100 KB and 1 MB, split anywhere)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 90_000, max: 110_000 }),
        fc.array(fc.integer({ min: 0, max: 110_000 }), { maxLength: 4 }),
        fc.integer(),
        (n, cuts, seed) => {
          const parts = splitAt(bytes(n, seed), cuts);
          const want = hex(blake3_128_reference(parts));
          expect(hex(blake3_128(parts))).to.equal(want);
          expect(hex(blake3_128_portable(parts))).to.equal(want);
        },
      ),
      { numRuns: 12 },
    );
    const mb = bytes(1 << 20, 9);
    const parts = [mb.subarray(0, 8), mb.subarray(8, mb.length - 48), mb.subarray(mb.length - 48)];
    expect(hex(blake3_128(parts))).to.equal(hex(blake3_128_reference([mb])));
  });

  it('reports whether the native binding is in use', () => {
    // Informational: the fast path for inputs of 512 bytes and up, when its prebuilt binary loads.
    expect(blake3NativeAvailable()).to.be.a('boolean');
  });
});
