import { expect } from 'chai';
import fc from 'fast-check';
import { MsgpackReader } from '../../src/codec/msgpack-reader.js';
import { MsgpackWriter } from '../../src/codec/msgpack-writer.js';
import { decodeWtf8 } from '../../src/text/wtf8.js';
import { InMemoryPagableStorage } from '../../src/index.js';
import { Dep } from '../support/models.js';

/*
 * Strings are read back by a rule stated without our decoder: well-formed UTF-8 as TextDecoder
 * decodes it; a 3-byte surrogate sequence (ED A0..BF 80..BF, how the writer stores a lone
 * surrogate) as that surrogate; any other malformed bytes as one U+FFFD per maximal subpart, as
 * the WHATWG decoder does. The reference splits the surrogate sequences out and hands the rest to
 * TextDecoder.
 */

const lenient = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true });

/** The rule above, by TextDecoder. */
function reference(b: Uint8Array): string {
  let out = '';
  let from = 0;
  for (let i = 0; i + 2 < b.length; i++) {
    if (b[i] === 0xed && b[i + 1]! >= 0xa0 && b[i + 1]! <= 0xbf && b[i + 2]! >= 0x80 && b[i + 2]! <= 0xbf) {
      out += lenient.decode(b.subarray(from, i));
      out += String.fromCharCode(0xd000 | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
      i += 2;
      from = i + 1;
    }
  }
  return out + lenient.decode(b.subarray(from));
}

/** What the msgpack reader gives for `bytes` stored as one string. */
function readString(bytes: Uint8Array): string {
  const msg = new Uint8Array(5 + bytes.length);
  msg[0] = 0xdb; // str 32
  new DataView(msg.buffer).setUint32(1, bytes.length);
  msg.set(bytes, 5);
  const r = new MsgpackReader();
  r.reset(msg, 0, 'test');
  return r.value() as string;
}

/** Bytes where the decoder's decisions are: every boundary of every lead and continuation range. */
const edgeByte = fc.constantFrom(
  0x00,
  0x41,
  0x7f,
  0x80,
  0x8f,
  0x90,
  0x9f,
  0xa0,
  0xa9,
  0xbf,
  0xc0,
  0xc1,
  0xc2,
  0xc3,
  0xdf,
  0xe0,
  0xe1,
  0xec,
  0xed,
  0xee,
  0xef,
  0xf0,
  0xf1,
  0xf3,
  0xf4,
  0xf5,
  0xf7,
  0xf8,
  0xfe,
  0xff,
);
const byte = fc.oneof({ arbitrary: edgeByte, weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 });
const bytes = fc.array(byte, { maxLength: 40 }).map((a) => Uint8Array.from(a));

/** Strings of every kind of UTF-16 unit, lone surrogates included. */
const units = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xffff }),
      fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xa9, 0x80, 0xbf),
    ),
    { maxLength: 30 },
  )
  .map((a) => String.fromCharCode(...a));

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('WTF-8 decoding (against TextDecoder and the surrogate rule)', () => {
  it('decodes well-formed UTF-8 as TextDecoder with fatal: true does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const b = new TextEncoder().encode(s);
        expect(decodeWtf8(b, 0, b.length)).to.equal(strict.decode(b));
        expect(readString(b)).to.equal(strict.decode(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes any bytes by the reference rule: surrogate sequences as surrogates, one U+FFFD per maximal subpart', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const want = reference(b);
        expect(decodeWtf8(b, 0, b.length), hex(b)).to.equal(want);
        expect(readString(b), hex(b)).to.equal(want);
      }),
      { numRuns: 20000 },
    );
  });

  it('reads short strings of NUL and 0x80 bytes (where a shortcut for ASCII must stop) as the rule says', () => {
    for (let n = 1; n <= 9; n++) {
      for (let at = 0; at < n; at++) {
        const b = new Uint8Array(n);
        b[at] = 0x80;
        expect(readString(b), hex(b)).to.equal(reference(b));
        expect(decodeWtf8(b, 0, n), hex(b)).to.equal(reference(b));
      }
    }
  });

  it('decodes long malformed input (hundreds of thousands of units) in one piece', () => {
    const b = new Uint8Array(300_000).map((_, i) => (i % 3 === 0 ? 0x80 : i % 3 === 1 ? 0xed : 0x41));
    expect(decodeWtf8(b, 0, b.length)).to.equal(reference(b));
  });

  it('decodes only the range it is given', () => {
    const b = Uint8Array.from([0xed, 0xa0, 0x80, 0x41, 0xc2, 0xa9, 0xe2]);
    expect(decodeWtf8(b, 1, 6)).to.equal('\ufffd\ufffdA©');
    expect(decodeWtf8(b, 3, 5)).to.equal('A\ufffd');
    // A sequence cut by the end of the range is malformed, whatever bytes follow it.
    const euro = Uint8Array.from([0x41, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xc2, 0xa9]);
    expect(decodeWtf8(euro, 0, 3)).to.equal('A\ufffd');
    expect(decodeWtf8(euro, 4, 7)).to.equal('\ufffd');
    expect(decodeWtf8(euro, 8, 9)).to.equal('\ufffd');
    expect(decodeWtf8(euro, 0, 10)).to.equal('A€😀©');
  });

  it('gives one U+FFFD per maximal subpart of a malformed sequence', () => {
    const cases: Array<[number[], string]> = [
      [[0xe2, 0x82, 0x41], '\ufffdA'], // truncated 3-byte sequence
      [[0xf0, 0x9f, 0x98, 0x41], '\ufffdA'], // truncated 4-byte sequence
      [[0xf0, 0x9f], '\ufffd'], // truncated at the end
      [[0xc0, 0xaf], '\ufffd\ufffd'], // overlong: no valid prefix
      [[0xe0, 0x80, 0x80], '\ufffd\ufffd\ufffd'], // overlong 3-byte
      [[0xf4, 0x90, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd'], // above U+10FFFF
      [[0xed, 0xa0, 0x41], '\ufffd\ufffdA'], // an incomplete surrogate sequence is not one
      [[0xed, 0x9f, 0xbf], '\ud7ff'],
      [[0xed, 0xa0, 0x80], '\ud800'],
      [[0xed, 0xbf, 0xbf], '\udfff'],
      [[0xef, 0xbf, 0xbd], '\ufffd'], // a real U+FFFD
    ];
    for (const [b, want] of cases) {
      const u = Uint8Array.from(b);
      expect(decodeWtf8(u, 0, u.length), hex(u)).to.equal(want);
      expect(reference(u), hex(u)).to.equal(want);
    }
  });

  it('reads U+0080..U+00BF next to a lone surrogate', () => {
    const w = new MsgpackWriter();
    for (let c = 0x80; c <= 0xbf; c++) {
      for (const s of [
        `${String.fromCharCode(c)} 2024 \ud800`,
        `\udc00${String.fromCharCode(c)}`,
        `\ud800${String.fromCharCode(c, c)}\udfff`,
      ]) {
        w.begin();
        w.str(s);
        const r = new MsgpackReader();
        r.reset(w.finish(), 0, 'test');
        expect(r.value()).to.equal(s);
      }
    }
  });

  it('round trips any string through the writer and the reader', () => {
    const w = new MsgpackWriter();
    fc.assert(
      fc.property(units, (s) => {
        w.begin();
        w.str(s);
        const r = new MsgpackReader();
        r.reset(w.finish(), 0, 'test');
        expect(r.value()).to.equal(s);
      }),
      { numRuns: 3000 },
    );
  });

  it("saves and loads '© 2024 \\ud800' exactly", async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new Dep(), { name: '© 2024 \ud800', version: '\udc00\u00bf', deps: [] }));
    const back = await s.load(Dep, key);
    expect([back.name, back.version]).to.deep.equal(['© 2024 \ud800', '\udc00\u00bf']);
    await s.close();
  });
});
