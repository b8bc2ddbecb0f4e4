import { expect } from 'chai';
import fc from 'fast-check';
import { MsgpackReader } from '../../src/codec/msgpack-reader.js';
import { MsgpackWriter } from '../../src/codec/msgpack-writer.js';
import { packr, unpackr } from '../../src/codec/wire.js';
import { PagableError } from '../../src/error.js';
import { bigints, dates, numbers, strings } from '../support/plain-values.js';
import { fuzzRuns } from '../support/env.js';

/*
 * The reader decodes what msgpackr decodes, for the msgpack our writer produces: msgpackr stays
 * the reference (values packed by msgpackr, read by both, compared). Strings are the deliberate
 * difference: WTF-8, so lone surrogates read back as themselves.
 */

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Plain msgpack values (no escapes): what msgpackr reads back as it wrote them. */
const msgpack: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: numbers, weight: 4 },
    { arbitrary: strings.filter(isWellFormed), weight: 4 },
    { arbitrary: bigints.filter((b) => b >= -(2n ** 63n) && b < 2n ** 64n), weight: 1 },
    { arbitrary: dates, weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>(true, false, null, undefined), weight: 2 },
    { arbitrary: fc.array(tie('node'), { maxLength: 20 }), weight: 2 },
    {
      arbitrary: fc.dictionary(
        fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
        tie('node'),
        { maxKeys: 20 },
      ),
      weight: 2,
    },
  ),
})).node;

/** A value with bytes as plain arrays, so Buffers and Uint8Arrays compare by content. */
function canonical(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (v instanceof Date) return { date: v.getTime() };
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
  return v;
}

function read(bytes: Uint8Array): unknown {
  const r = new MsgpackReader();
  r.reset(bytes, 0, 'test');
  const v = r.value();
  expect(r.atEnd).to.equal(true);
  return v;
}

describe('MsgpackReader (differential against msgpackr)', () => {
  it('reads what msgpackr reads, for values msgpackr wrote', () => {
    fc.assert(
      fc.property(msgpack, (v) => {
        const bytes = packr.pack(v);
        expect(canonical(read(bytes))).to.deep.equal(canonical(unpackr.unpack(bytes)));
      }),
      { numRuns: fuzzRuns(4000) },
    );
  });

  it('reads every fixed-width number encoding (float32/64, int/uint 64) as msgpackr does, from views at any offset of a shared buffer', () => {
    // Hand-made: our writer never emits float32, and the views stand for blobs read out of one store chunk.
    const cases: Array<[number, (v: DataView) => void]> = [
      [0xca, (v) => v.setFloat32(1, -1.5)],
      [0xca, (v) => v.setFloat32(1, 3.4028234663852886e38)],
      [0xcb, (v) => v.setFloat64(1, 0.1 + 0.2)],
      [0xcb, (v) => v.setFloat64(1, -0)],
      [0xcb, (v) => v.setFloat64(1, Number.MIN_VALUE)],
      [0xcf, (v) => v.setBigUint64(1, 2n ** 64n - 2n)],
      [0xcf, (v) => v.setBigUint64(1, 0x0102030405060708n)],
      [0xd3, (v) => v.setBigInt64(1, -(2n ** 63n) + 5n)],
      [0xd3, (v) => v.setBigInt64(1, -0x0102030405060708n)],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.nat(13), ([head, set], offset) => {
        const width = head === 0xca ? 4 : 8;
        const chunk = new Uint8Array(offset + 1 + width + 3).fill(0xee);
        const blob = chunk.subarray(offset, offset + 1 + width);
        blob[0] = head;
        set(new DataView(blob.buffer, blob.byteOffset, blob.length));
        const expected = unpackr.unpack(Uint8Array.from(blob));
        expect(Object.is(read(blob), expected), `${head.toString(16)} at ${offset}: ${String(read(blob))} vs ${String(expected)}`).to.equal(
          true,
        );
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('reads strings exactly, lone surrogates included, at every length', () => {
    const w = new MsgpackWriter();
    const check = (s: string): void => {
      w.begin();
      w.str(s);
      expect(read(w.finish())).to.equal(s);
    };
    for (const s of [
      'a\ud800b',
      '\udfff',
      'x'.repeat(70) + '\ud800',
      '\ud800'.repeat(100),
      '😀\udc00'.repeat(40),
      '\ud800\udc00',
      'é\udbff'.repeat(20),
    ])
      check(s);
    fc.assert(fc.property(strings, check), { numRuns: fuzzRuns(800) });
  });

  it('reads a non-ASCII character or a stray byte at every position of a string, at every alignment of the buffer', () => {
    // U+0080 is the bytes C2 80: the lowest byte an ASCII check must refuse, before, inside and
    // after the words a long string is checked by.
    // A lone 0x80 byte (malformed) reads as U+FFFD.
    for (const ch of ['\u0080', '\u00ff', '\u07ff', '\uffff', 'lone 0x80']) {
      for (let n = 1; n <= 14; n++) {
        for (let at = 0; at < n; at++) {
          const lone = ch === 'lone 0x80';
          const s = 'a'.repeat(at) + (lone ? '\ufffd' : ch) + 'b'.repeat(n - at - 1);
          const body = lone
            ? Buffer.concat([Buffer.from('a'.repeat(at)), Buffer.of(0x80), Buffer.from('b'.repeat(n - at - 1))])
            : Buffer.from(s);
          for (let shift = 0; shift < 4; shift++) {
            const bytes = new Uint8Array(shift + 1 + body.length);
            bytes[shift] = 0xa0 | body.length;
            bytes.set(body, shift + 1);
            const r = new MsgpackReader();
            r.reset(bytes.subarray(shift), 0, 'test');
            expect(r.value()).to.equal(s);
          }
        }
      }
    }
  });

  it('reads malformed UTF-8 leniently, as U+FFFD, never failing on a string', () => {
    expect(read(new Uint8Array([0xa3, 0x61, 0xff, 0x62]))).to.equal('a\ufffdb');
    expect(read(new Uint8Array([0xa2, 0xe2, 0x82]))).to.match(/^\ufffd+$/);
    expect(read(new Uint8Array([0xa4, 0xed, 0xa0, 0x80, 0xff]))).to.equal('\ud800\ufffd');
  });

  it('yields a value or a CORRUPT PagableError for any bytes, allocating no more than they hold', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const r = new MsgpackReader();
        r.reset(bytes, 0, 'test');
        try {
          r.value();
        } catch (e) {
          expect(e, String(e)).to.be.instanceOf(PagableError);
          expect((e as PagableError).code).to.equal('CORRUPT');
        }
      }),
      { numRuns: fuzzRuns(5000) },
    );
    // An array32 header claiming 4 billion elements, and nothing after it.
    const r = new MsgpackReader();
    r.reset(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), 0, 'test');
    expect(() => r.value()).to.throw(PagableError, /truncated/);
  });
});
