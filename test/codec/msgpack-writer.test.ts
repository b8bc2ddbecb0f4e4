import { expect } from 'chai';
import fc from 'fast-check';
import { BlobEncoder, type EncodedBlob } from '../../src/codec/encoder.js';
import { MsgpackWriter } from '../../src/codec/msgpack-writer.js';
import { C1, Esc, TYPED_ARRAYS, packr } from '../../src/codec/wire.js';
import { ANY } from '../../src/metadata/schema.js';
import { leaf, objectOf, plain, strings } from '../support/plain-values.js';
import { fuzzRuns } from '../support/env.js';

/*
 * The encoder writes plain data as msgpackr writes the tree of escapes below (msgpackr stays the
 * reference), with one deliberate difference: strings are WTF-8 at every length (a lone surrogate
 * is its own 3-byte sequence), where msgpackr writes U+FFFD from 64 UTF-16 units on. Strings are
 * checked against an independent WTF-8 encoder instead.
 */

const NEG_ZERO: readonly unknown[] = Object.freeze([C1, Esc.NegZero]);

/** A plain value as the tree of msgpack values and escapes that msgpackr packs into our bytes. */
function treeOf(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
    case 'bigint':
      return v >= -0x8000000000000000n && v <= 0xffffffffffffffffn ? v : [C1, Esc.BigInt, v.toString()];
    case 'object': {
      if (v === null) return null;
      const proto = Object.getPrototypeOf(v);
      if (proto === Array.prototype) return Array.from(v as unknown[], treeOf);
      if (proto === Object.prototype || proto === null) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (proto === null || keys.includes('__proto__')) {
          const out: unknown[] = [C1, proto === null ? Esc.NullObject : Esc.Object];
          for (const k of keys) out.push(k, treeOf(o[k]));
          return out;
        }
        // A Map packs as the same msgpack map, without msgpackr's `constructor` / `toJSON` handling.
        return new Map(keys.map((k) => [k, treeOf(o[k])]));
      }
      if (v instanceof Map) return [C1, Esc.Map, ...[...v].flatMap(([k, x]) => [treeOf(k), treeOf(x)])];
      if (v instanceof Set) return [C1, Esc.Set, ...[...v].map(treeOf)];
      const ti = (TYPED_ARRAYS as readonly unknown[]).indexOf((v as object).constructor);
      if (ti >= 0) {
        const ta = v as ArrayBufferView;
        return [C1, Esc.Typed, ti, new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength)];
      }
      return v;
    }
    default:
      return v;
  }
}

/** `String.prototype.isWellFormed` (ES2024): no lone surrogate. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** True when msgpackr would write the strings in `v` as we do (no lone surrogate from 64 units on). */
function msgpackrWritesStringsAsWe(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.length < 64 || isWellFormed(v);
  if (typeof v !== 'object' || v === null || depth > 50) return true;
  if (v instanceof Map) return [...v].every(([k, x]) => msgpackrWritesStringsAsWe(k, depth + 1) && msgpackrWritesStringsAsWe(x, depth + 1));
  if (v instanceof Set) return [...v].every((x) => msgpackrWritesStringsAsWe(x, depth + 1));
  if (ArrayBuffer.isView(v)) return true;
  return Object.keys(v).every(
    (k) => msgpackrWritesStringsAsWe(k, depth + 1) && msgpackrWritesStringsAsWe((v as Record<string, unknown>)[k], depth + 1),
  );
}

function encode(v: unknown): EncodedBlob {
  return new BlobEncoder().encode(v, ANY, 'root');
}

function expectAsMsgpackr(v: unknown): void {
  const got = encode(v).data;
  expect(got[0]).to.equal(0xc1);
  const want = packr.pack(treeOf(v));
  expect(Buffer.from(got.buffer, got.byteOffset + 1, got.byteLength - 1).equals(want), 'the body is what msgpackr writes').to.equal(true);
}

/** WTF-8 by the definition: each code point as UTF-8, a lone surrogate as its own 3-byte sequence. */
function wtf8(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

function strHeader(n: number): number[] {
  if (n < 0x20) return [0xa0 | n];
  if (n < 0x100) return [0xd9, n];
  if (n < 0x10000) return [0xda, n >> 8, n & 0xff];
  return [0xdb, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

describe('MsgpackWriter (differential against msgpackr)', () => {
  it('writes every plain value as msgpackr writes its tree of escapes', () => {
    fc.assert(
      fc.property(
        plain.filter((v) => msgpackrWritesStringsAsWe(v)),
        (v) => expectAsMsgpackr(v),
      ),
      { numRuns: fuzzRuns(4000) },
    );
  });

  it('writes every leaf kind at its boundaries as msgpackr does', () => {
    fc.assert(
      fc.property(
        leaf.filter((v) => msgpackrWritesStringsAsWe(v)),
        (v) => {
          expectAsMsgpackr(v);
          expectAsMsgpackr([v, [v], { k: v }]);
        },
      ),
      { numRuns: fuzzRuns(4000) },
    );
  });

  it('writes strings as WTF-8 at every length: lone surrogates as their own 3-byte sequences', () => {
    const w = new MsgpackWriter();
    const check = (s: string): void => {
      w.begin();
      w.str(s);
      const bytes = wtf8(s);
      expect([...w.finish()]).to.deep.equal([...strHeader(bytes.length), ...bytes]);
    };
    for (const s of [
      'a\ud800b',
      '\udfff',
      'x'.repeat(70) + '\ud800',
      '\ud800'.repeat(100),
      '😀\udc00'.repeat(40),
      'é'.repeat(30) + '\udbff',
    ])
      check(s);
    fc.assert(fc.property(strings, check), { numRuns: fuzzRuns(800) });
  });

  it('writes a string whose header outgrows its guess even at the very end of a slab', () => {
    // The header is guessed from the length in units; 3-byte units can need a longer one, and the
    // bytes are then moved up by one or two. Fillers of every length put the string's end at the
    // end of the writer's buffer for one of them (found by test/paging/given-back.test.ts).
    for (const [s, before, first] of [
      ['✓'.repeat(31), 0, 0x2000 - 200],
      ['\ud800'.repeat(3) + 'ࠀ'.repeat(28), 0, 0x2000 - 200],
      ['✓'.repeat(255), 0, 0x2000 - 1000],
      // 65,538 bytes from 21,846 units, in a slab grown to 200,704 bytes by a first value of 100,000.
      ['✓'.repeat(21846), 100_000, 35_000],
    ] as const) {
      const bytes = wtf8(s);
      const want = [...strHeader(bytes.length), ...bytes];
      for (let filler = first; filler < first + 200; filler++) {
        const w = new MsgpackWriter();
        if (before > 0) {
          w.begin();
          w.raw(new Uint8Array(before));
          w.finish();
        }
        w.begin();
        w.raw(new Uint8Array(filler));
        w.str(s);
        const out = w.finish();
        expect([...out.subarray(out.length - want.length)], `filler ${filler}`).to.deep.equal(want);
      }
    }
  });

  it('writes containers at every header boundary', () => {
    for (const n of [0, 15, 16, 17, 0xffff, 0x10000, 0x10001]) {
      const arr = Array.from({ length: n }, (_, i) => i & 0xff);
      expectAsMsgpackr(arr);
      expectAsMsgpackr(
        objectOf(
          arr.map((x, i) => [`k${i}`, x]),
          false,
        ),
      );
      expectAsMsgpackr(new Map(arr.map((x, i) => [i, x])));
      expectAsMsgpackr(new Set(arr.map((_, i) => i)));
    }
    expectAsMsgpackr(objectOf([['__proto__', 1], ...Array.from({ length: 20 }, (_, i): [string, unknown] => [`${i}`, -0])], false));
  });

  it('writes what a value is, whatever its own toJSON or constructor says', () => {
    const withToJSON = new Date(5);
    Object.defineProperty(withToJSON, 'toJSON', { value: () => 'not a date' });
    const asObject = new Uint8Array([1, 2]);
    Object.defineProperty(asObject, 'constructor', { value: Object });
    expect([...encode(withToJSON).data]).to.deep.equal([...encode(new Date(5)).data]);
    expect([...encode(asObject).data]).to.deep.equal([...encode(new Uint8Array([1, 2])).data]);
    // msgpackr calls a `toJSON` of an object whose own `constructor` is not Object (throwing
    // TypeError when it is not a function): ours are plain maps of their own properties.
    for (const v of [{ constructor: 1, toJSON: 0 }, { constructor: 'x', toJSON: 1 }, { constructor: [], toJSON: NaN }, { toJSON: 1 }]) {
      const entries = Object.entries(v);
      const want = [0xc1, 0x80 | entries.length, ...entries.flatMap(([k, x]) => [...packr.pack(k), ...packr.pack(treeOf(x))])];
      expect([...encode(v).data]).to.deep.equal(want);
    }
  });

  it('never writes over a blob it returned, across slabs and growth', () => {
    const enc = new BlobEncoder();
    const kept: Array<[Uint8Array, Uint8Array]> = [];
    fc.assert(
      fc.property(plain, (v) => {
        let a: EncodedBlob;
        try {
          a = enc.encode(v, ANY, 'root');
        } catch {
          return;
        }
        kept.push([a.data, Uint8Array.from(a.data)]);
        // A failing encode in between leaves bytes behind that no blob may see.
        try {
          enc.encode([1, 2, Symbol('x')], ANY, 'root');
        } catch {
          /* expected */
        }
      }),
      { numRuns: fuzzRuns(1500) },
    );
    const big = enc.encode('x'.repeat(100000), ANY, 'root');
    expect(big.data.length).to.equal(1 + 100005);
    for (const [data, copy] of kept) expect(Buffer.from(data).equals(copy)).to.equal(true);
  });

  it('writes long arrays of numbers as msgpackr does, at every number format, -0 and holes included', () => {
    const boundaries = [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001];
    const num = fc.oneof(
      fc.constantFrom(...boundaries, -(2 ** 31), -(2 ** 31) - 1, 0.5, NaN, Infinity, -Infinity, -0),
      fc.integer(),
      fc.double(),
    );
    fc.assert(
      fc.property(fc.array(num, { minLength: 14, maxLength: 300 }), (a) => {
        expectAsMsgpackr(a);
        const holey = a.slice();
        delete holey[holey.length >> 1];
        expectAsMsgpackr(holey);
      }),
      { numRuns: 600 },
    );
    // An array whose room does not fit the slab it starts in.
    expectAsMsgpackr(Array.from({ length: 70000 }, (_, i) => (i % 3 === 0 ? i * 1.5 : -i)));
  });

  it('keeps every framed value of a recycling writer intact while large ones grow it, and after recycle', () => {
    const w = new MsgpackWriter(0x1000, true);
    const values = [
      Array.from({ length: 30000 }, (_, i) => i / 7),
      'é'.repeat(20000),
      'x'.repeat(0x3000),
      [1, 'small'],
      Array.from({ length: 5000 }, (_, i) => i),
    ];
    for (let round = 0; round < 3; round++) {
      const written: Array<[Buffer, number, number]> = [];
      for (const v of values) {
        w.beginFramed(8);
        if (typeof v === 'string') w.str(v);
        else if (v.every((x) => typeof x === 'number')) w.numbers(v as number[]);
        else {
          w.array(2);
          w.num(1);
          w.str('small');
        }
        w.reserve(16);
        written.push([w.slabBytes, w.valueStart, w.offset - 16]);
      }
      values.forEach((v, i) => {
        const [slab, start, end] = written[i]!;
        expect(slab.subarray(start, end).equals(packr.pack(v)), `value ${i}, round ${round}`).to.equal(true);
      });
      w.recycle();
    }
  });

  it('is usable on its own: one value between begin and finish', () => {
    const w = new MsgpackWriter();
    w.begin();
    w.array(3);
    w.num(-33);
    w.str('é'.repeat(40));
    w.date(new Date(-1));
    expect(Buffer.from(w.finish()).equals(packr.pack([-33, 'é'.repeat(40), new Date(-1)]))).to.equal(true);
  });
});
