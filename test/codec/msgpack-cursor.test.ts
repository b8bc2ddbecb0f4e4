import { expect } from 'chai';
import { unpackr } from '../../src/codec/wire.js';
import { type DataKey, Field, InMemoryPagableStorage, Pagable } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

/*
 * The byte side of reading (msgpack-cursor.ts): every msgpack format is skipped exactly when a
 * stored field was removed from its class (so the fields after it keep their values), read
 * exactly when it is not, and a header claiming more bytes or values than the blob holds is
 * CORRUPT ("truncated"), never a read past the end. Blobs are written by hand: 0xC1, then the
 * instance's array [gone, after], with the schema set of a saved instance.
 */

@Pagable({ name: 'CursorItem' })
class ItemV1 {
  @Field() gone: unknown = null;
  @Field() after = '';
}

/** Every msgpack format (hex), as a value of plain data. */
const FORMATS: ReadonlyArray<readonly [string, string]> = [
  ['positive fixint', '05'],
  ['negative fixint', 'e0'],
  ['nil', 'c0'],
  ['false', 'c2'],
  ['true', 'c3'],
  ['fixstr', 'a3616263'],
  ['str 8', 'd903616263'],
  ['str 16', 'da0003616263'],
  ['str 32', 'db00000003616263'],
  ['bin 8', 'c4020102'],
  ['bin 16', 'c500020102'],
  ['bin 32', 'c6000000020102'],
  ['fixarray', '920102'],
  ['array 16', 'dc00020102'],
  ['array 32', 'dd000000020102'],
  ['fixmap', '81a16101'],
  ['map 16', 'de0001a16101'],
  ['map 32', 'df00000001a16101'],
  ['uint 8', 'ccff'],
  ['uint 16', 'cdffff'],
  ['uint 32', 'ceffffffff'],
  ['uint 64', 'cf00000000000000ff'],
  ['int 8', 'd080'],
  ['int 16', 'd18000'],
  ['int 32', 'd280000000'],
  ['int 64', 'd3ffffffffffffffff'],
  ['float 32', 'ca3fc00000'],
  ['float 64', 'cb3ff8000000000000'],
  ['timestamp 32', 'd6ff00000001'],
  ['timestamp 64', 'd7ff0000000000000001'],
  ['undefined (fixext 1)', 'd40000'],
  ['a map in a map', '81a161' + '81a16202'],
  ['an array in a map', '81a161' + 'dc0001a162'],
];

/** Formats this format never writes (extensions, maps and arrays as map keys): skipped all the same. */
const FOREIGN: ReadonlyArray<readonly [string, string]> = [
  ['fixext 1', 'd40501'],
  ['fixext 2', 'd5050102'],
  ['fixext 4', 'd60501020304'],
  ['fixext 8', 'd7050102030405060708'],
  ['fixext 16', 'd805' + '01'.repeat(16)],
  ['ext 8', 'c702050102'],
  ['ext 16', 'c80002050102'],
  ['ext 32', 'c900000002050102'],
  ['fixarray key', '81' + '920102' + '01'],
  ['array 16 key', '81' + 'dc00020102' + '01'],
  ['array 32 key', '81' + 'dd000000020102' + '01'],
  ['fixmap key', '81' + '81a16101' + '01'],
  ['map 16 key', '81' + 'de0001a16101' + '01'],
  ['map 32 key', '81' + 'df00000001a16101' + '01'],
  ['bin 16 key', '81' + 'c500020102' + '01'],
  ['str 32 key', '81' + 'db00000001' + '61' + '01'],
  ['ext key', '81' + 'c702050102' + '01'],
  ['escape in a map', '81a161' + '93c10205'],
  ['escaped Map', '94c101a16101'],
];

describe('codec: msgpack bytes skipped and read (msgpack-cursor)', () => {
  let s: InMemoryPagableStorage;
  let setKey: DataKey;
  before(async () => {
    s = new InMemoryPagableStorage();
    const saved = await s.fetchData(await s.save(new ItemV1()));
    setKey = saved.arcs.at(-1)!;
  });
  after(() => s.close());

  /** A blob of an ItemV1 whose `gone` is the hex `value` and `after` "z" (or whatever `tail` is). */
  const put = async (value: string, tail = 'a17a'): Promise<DataKey> =>
    await s.storeData({ data: Buffer.from('c192' + value + tail, 'hex'), arcs: [setKey] });

  @Pagable({ name: 'CursorItem' })
  class ItemV2 {
    @Field() after = '';
  }

  for (const [what, hex] of [...FORMATS, ...FOREIGN]) {
    it(`skips ${what} in a removed field; the next field keeps its value`, async () => {
      const back = await s.load(ItemV2, await put(hex));
      expect(back.after).to.equal('z');
    });
  }

  it('reads every format msgpackr reads as msgpackr does', async () => {
    for (const [what, hex] of FORMATS) {
      const v = await s.load(ItemV1, await put(hex));
      const want: unknown = hex === 'd40000' ? undefined : unpackr.unpack(Buffer.from(hex, 'hex'));
      expect(v.gone, what).to.deep.equal(want instanceof Uint8Array ? Uint8Array.from(want) : want);
      expect(v.after, what).to.equal('z');
    }
  });

  it('a header claiming more than the blob holds is CORRUPT, skipped or read', async () => {
    const truncated = [
      'd9', // str 8 without its length
      'd905', // str 8 of 5 bytes, none there
      'da00', // str 16 length cut
      'da0005', // str 16 of 5 bytes
      'db000000', // str 32 length cut
      'db00000005',
      'c5ff', // bin 16 length cut
      'c6000000ff',
      'dc00', // array 16 count cut
      'dc0005', // array 16 of 5 values, none there
      'ddffffffff', // array 32 of 4 billion values
      'de00', // map 16 count cut
      'dfffffffff', // map 32 of 4 billion entries
      'cd00', // uint 16 cut
      'ce000000', // uint 32 cut
      'cf00000000000000', // uint 64 cut
      'cb3ff80000000000', // float 64 cut
      'c70205', // ext 8 of 2 bytes, none there
      'c8000205', // ext 16
      'c90000000205', // ext 32
      'd805' + '01'.repeat(15), // fixext 16 one byte short
      'd7ff000000000000', // timestamp 64 cut
    ];
    for (const hex of truncated) {
      for (const cls of [ItemV1, ItemV2]) {
        const key = await put(hex, '');
        const e = await expectError(s.load(cls, key), 'CORRUPT');
        expect(e.message, `${hex} as ${cls.name}`).to.equal(`blob ${key}: the blob is truncated`);
      }
    }
  });

  it('a removed field nested deeper than the limit is CORRUPT; at the limit it is skipped', async () => {
    const nested = (n: number): string => '91'.repeat(n) + '01';
    // The instance itself is one level: its field may nest 999 arrays.
    expect((await s.load(ItemV2, await put(nested(999)))).after).to.equal('z');
    const key = await put(nested(1000));
    const e = await expectError(s.load(ItemV2, key), 'CORRUPT');
    expect(e.message).to.equal(`blob ${key}: nesting deeper than 1000`);
    // Maps as keys nest too.
    const deepKeys = (n: number): string => '81'.repeat(n) + '01' + '01'.repeat(n);
    expect((await s.load(ItemV2, await put(deepKeys(999)))).after).to.equal('z');
    const k2 = await put(deepKeys(1000));
    expect((await expectError(s.load(ItemV2, k2), 'CORRUPT')).message).to.equal(`blob ${k2}: nesting deeper than 1000`);
  });

  it('a string the format requires reads in every string format', async () => {
    // A bigint's decimal text, as fixstr, str 8, str 16 and str 32.
    for (const text of ['a135', 'd90135', 'da000135', 'db0000000135']) {
      const v = await s.load(ItemV1, await put(`93c104${text}`));
      expect(v.gone, text).to.equal(5n);
    }
    const key = await put('93c10412');
    const e = await expectError(s.load(ItemV1, key), 'CORRUPT');
    expect(e.message).to.equal(`blob ${key}: a malformed bigint`);
  });

  it('class indices and escape kinds read as uint 8, 16 and 32; anything else is CORRUPT naming what was expected', async () => {
    // An escaped Map whose kind is written as uint 8/16/32 (1): read alike.
    for (const kind of ['01', 'cc01', 'cd0001', 'ce00000001']) {
      const v = await s.load(ItemV1, await put(`94c1${kind}a16101`));
      expect(v.gone, kind).to.deep.equal(new Map([['a', 1]]));
    }
    // 0x80 is an empty map, not a number.
    for (const kind of ['d001', 'a161', 'c0', '80']) {
      const key = await put(`94c1${kind}a16101`);
      const e = await expectError(s.load(ItemV1, key), 'CORRUPT');
      expect(e.message, kind).to.equal(`blob ${key}: expected an escape kind`);
    }
  });
});
