import { expect } from 'chai';
import fc from 'fast-check';
import { MsgpackWriter } from '../../src/codec/msgpack-writer.js';
import { decodeWtf8, decodeWtf8Exact, encodeWtf8 } from '../../src/text/wtf8.js';

/** Any JS string: UTF-16 units at random, so lone surrogates and pairs both occur. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 40 });
/** Strings made of the units that matter: surrogates (high, low), ASCII, 2- and 3-byte characters. */
const edgy = fc.string({ unit: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a', '\u00e9', '\uFFFD', '\u20ac'), maxLength: 12 });

describe('WTF-8 (src/text/wtf8.ts)', () => {
  it('every string comes back exactly, and two strings never share bytes', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, edgy), fc.oneof(anyString, edgy), (a, b) => {
        const ba = encodeWtf8(a);
        expect(decodeWtf8Exact(ba)).to.equal(a);
        expect(decodeWtf8(ba, 0, ba.length)).to.equal(a);
        expect(Buffer.compare(ba, encodeWtf8(b)) === 0).to.equal(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it('is UTF-8 for well-formed strings: bytes written as UTF-8 before read the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        expect(encodeWtf8(s).equals(Buffer.from(s, 'utf8'))).to.equal(true);
      }),
    );
  });

  it('is the bytes blob bodies hold for the same string (MsgpackWriter)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, edgy, fc.string({ minLength: 16, maxLength: 64 })), (s) => {
        const w = new MsgpackWriter();
        w.begin();
        w.str(s);
        const body = w.finish();
        const bytes = encodeWtf8(s);
        expect(Buffer.from(body.subarray(body.length - bytes.length)).equals(bytes)).to.equal(true);
      }),
    );
  });

  it("refuses bytes that are no string's WTF-8: malformed, or a pair as two 3-byte sequences", () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0], [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      expect(decodeWtf8Exact(new Uint8Array(bad)), JSON.stringify(bad)).to.equal(undefined);
    }
    expect(decodeWtf8Exact(new Uint8Array([0xed, 0xa0, 0x80]))).to.equal('\uD800');
    expect(decodeWtf8Exact(new Uint8Array([0xf0, 0x90, 0x80, 0x80]))).to.equal('\uD800\uDC00');
  });
});
