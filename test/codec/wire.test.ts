/*
 * The framing of schemaless blobs (src/codec/wire.ts): the optional type tag in front of the body
 * and the body itself. Damaged bytes are CORRUPT naming the blob, never another exception and
 * never a value read from the wrong bytes.
 */
import { expect } from 'chai';
import { pack } from 'msgpackr';
import { readTagHeader, unpackBody } from '../../src/codec/wire.js';
import { PagableError } from '../../src/error.js';

const WHERE = 'blob 0123';

function corrupt(f: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).to.be.instanceOf(PagableError);
  expect((thrown as PagableError).code).to.equal('CORRUPT');
  expect((thrown as PagableError).message).to.equal(`${WHERE}: ${message}`);
}

/** A tag of `n` ASCII letters as msgpack writes it, then a body (an array of one number). */
const tagged = (n: number): Uint8Array => Uint8Array.from([...pack('t'.repeat(n)), ...pack([1])]);

describe('wire: the type tag of a schemaless blob', () => {
  it('reads tags of every string header size, with the offset of the body after them', () => {
    for (const n of [0, 1, 31, 32, 255, 256, 65535]) {
      const data = tagged(n);
      const header = readTagHeader(data, WHERE);
      expect(header?.tag).to.equal('t'.repeat(n));
      expect(header?.offset).to.equal(data.length - 2);
      expect(unpackBody(data.subarray(header!.offset), WHERE)).to.deep.equal([1]);
    }
  });

  it('an untagged blob (a body that is not a string) has no header', () => {
    for (const v of [[1, 2], {}, 5, null]) expect(readTagHeader(pack(v), WHERE)).to.equal(undefined);
  });

  it('an empty blob, a tag over 65535 bytes, a tag cut short and a tag not in UTF-8 are CORRUPT', () => {
    corrupt(() => readTagHeader(new Uint8Array(0), WHERE), 'empty blob');
    corrupt(() => readTagHeader(Uint8Array.of(0xdb, 0, 1, 0, 0), WHERE), 'type tag longer than 65535 bytes');
    for (const n of [1, 31, 32, 255, 256, 65535]) {
      const whole = pack('t'.repeat(n));
      for (const cut of n > 1 ? [1, 2] : [1])
        corrupt(() => readTagHeader(whole.subarray(0, whole.length - cut), WHERE), 'truncated type tag');
    }
    corrupt(() => readTagHeader(Uint8Array.of(0xd9), WHERE), 'truncated type tag');
    corrupt(() => readTagHeader(Uint8Array.of(0xda, 0), WHERE), 'truncated type tag');
    corrupt(() => readTagHeader(Uint8Array.of(0xa2, 0xc3, 0x28), WHERE), 'type tag is not valid UTF-8');
  });

  it('a tag that ends exactly where the blob ends is whole', () => {
    expect(readTagHeader(pack('abc'), WHERE)).to.deep.equal({ tag: 'abc', offset: 4 });
    expect(readTagHeader(Uint8Array.of(0xd9, 0), WHERE)).to.deep.equal({ tag: '', offset: 2 });
    expect(readTagHeader(Uint8Array.of(0xda, 0, 0), WHERE)).to.deep.equal({ tag: '', offset: 3 });
  });
});

describe('wire: the body of a schemaless blob', () => {
  it('is exactly one msgpack value: two, or bytes that do not decode, are CORRUPT', () => {
    expect(unpackBody(pack({ a: [1, 'x'] }), WHERE)).to.deep.equal({ a: [1, 'x'] });
    corrupt(() => unpackBody(Uint8Array.from([...pack(1), ...pack(2)]), WHERE), 'the blob holds 2 values where one is expected');
    let thrown: unknown;
    try {
      unpackBody(Uint8Array.of(0x92, 1), WHERE);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(PagableError);
    expect((thrown as PagableError).code).to.equal('CORRUPT');
    expect((thrown as PagableError).message).to.match(/^blob 0123: the blob does not decode \(.+\)$/);
    expect((thrown as PagableError).cause).to.be.instanceOf(Error);
  });
});
