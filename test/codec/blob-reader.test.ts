import { Type } from 'class-transformer';
import { expect } from 'chai';
import { C1, unpackr } from '../../src/codec/wire.js';
import {
  type Class,
  type DataKey,
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  type Codec,
  type PagableErrorCode,
  Shared,
} from '../../src/index.js';
import { Cat, Dog, PET_DISCRIMINATOR, type Pet, UnpagablePen } from '../support/ct-models.js';
import { ESC, dataBlob } from '../support/hand-blobs.js';
import { Money, Point, Point3, epochCodec } from '../support/codec-models.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Leaf, Module, Shape, Square } from '../support/models.js';

/*
 * A data blob (0xC1, then the root's msgpack value; its child keys then its schema set key) is read
 * straight into instances (blob-reader.ts). Here the bytes of a saved blob are rewritten by hand
 * (msgpackr, C1 being its sentinel for the 0xC1 byte of an escape) and loaded again with the same
 * schema set: every escape and field kind reads exactly, and each malformed one is refused with the
 * code and the message naming the blob, class and field.
 */

/** Every field kind, in this order on the wire. */
@Pagable({ name: 'BrBox' })
class Box {
  @Field() any: unknown = null;
  @Field(() => Circle) circle: Circle | null = null;
  @Field(() => [Number]) nums: number[] | null = null;
  @Field(() => [[String]]) grid: string[][] | null = null;
  @Dyn(() => Shape) shape: Shape | null = null;
  @Field(() => Money) money: Money | null = null;
  @Field(() => Date, { codec: epochCodec }) at: Date | null = null;
  @Field(() => Point) point: Point | null = null;
  @Shared(() => Leaf) leaf: Leaf | null = null;
  @Lazy(() => Leaf) lazy: PagableArc<Leaf> | null = null;
  @Field(() => Shape) base: Shape | null = null;
  @Field(() => [Circle]) circles: Circle[] | null = null;
  @Shared(() => [Leaf]) leaves: Leaf[] | null = null;
  @Field(() => [Money]) monies: Money[] | null = null;
}

const FIELDS = Object.keys(new Box()) as Array<keyof Box>;

/** A class-transformer model: its discriminated pet, then the record of its other properties. */
@Pagable({ name: 'BrPen' })
class Pen {
  @Type(() => Object, PET_DISCRIMINATOR) pet: Pet | null = null;
  note?: unknown;
}

/** A field codec whose values decode to numbers, where a Date is declared. */
const oddCodec: Codec<Date, number> = { name: 'test.br.odd', encode: (d) => d.getTime(), decode: (n) => n as unknown as Date };

/** Arrays of arrays of instances, of plain data, of @Lazy children; a field codec that decodes amiss. */
@Pagable({ name: 'BrMore' })
class More {
  @Field(() => [[Circle]]) grid: Circle[][] | null = null;
  @Field(() => [Object]) objs: unknown[] | null = null;
  @Lazy(() => [Leaf]) lazies: Array<PagableArc<Leaf> | null> | null = null;
  @Field(() => Date, { codec: oddCodec }) odd: Date | null = null;
}

describe('codec: reading data blobs (blob-reader)', () => {
  let s: InMemoryPagableStorage;
  let setKey: DataKey;
  let leafKey: DataKey;
  /** Class indices in the template's schema set. */
  const index: Record<string, number> = {};

  before(async () => {
    s = new InMemoryPagableStorage();
    // The template: every class the rewritten blobs name is in its schema set.
    const template = Object.assign(new Box(), {
      any: [Object.assign(new Circle(), { r: 1 }), Object.assign(new Square(), { side: 2 }), Module.of('m', 1), new Point3(1, 2, 3)],
      circle: Circle.of(1),
      leaf: Leaf.of(7),
    });
    const key = await s.save(template);
    const blob = await s.fetchData(key);
    setKey = blob.arcs.at(-1)!;
    leafKey = blob.arcs[0]!;
    const tree = unpackr.unpack(blob.data.subarray(1)) as unknown[];
    const escapes = tree[0] as unknown[][];
    for (const [name, e] of [
      ['Circle', escapes[0]],
      ['Square', escapes[1]],
      ['Module', escapes[2]],
    ] as const)
      index[name] = (e![1] as number) - ESC.Class;
    const circleEscape = (tree[1] as unknown[])[0];
    expect(circleEscape).to.not.equal(C1); // exactly a Circle: positional
  });
  after(() => s.close());

  /** A data blob of `root` (a msgpackr tree) with the template's schema set. */
  const put = async (root: unknown, children: DataKey[] = []): Promise<DataKey> => await s.storeData(dataBlob(root, [...children, setKey]));
  /** The schema set key of `value` saved. */
  const saved = async (value: object): Promise<DataKey> => (await s.fetchData(await s.save(value))).arcs.at(-1)!;
  /** A data blob of `root` with schema set `set`. */
  const putIn = async (set: DataKey, root: unknown, children: DataKey[] = []): Promise<DataKey> =>
    await s.storeData(dataBlob(root, [...children, set]));
  const box = (over: Partial<Record<keyof Box, unknown>>): unknown[] => FIELDS.map((f) => (f in over ? over[f] : null));
  const load = async <T>(cls: Class<T>, root: unknown, children: DataKey[] = []): Promise<T> => s.load(cls, await put(root, children));
  const refused = async (cls: Class, root: unknown, code: PagableErrorCode, message: string, children: DataKey[] = []): Promise<void> => {
    const key = await put(root, children);
    const e = await expectError(s.load(cls, key), code);
    expect(e.message).to.equal(`blob ${key}: ${message}`);
  };
  const tagged = (cls: string, ...fields: unknown[]): unknown[] => [C1, ESC.Class + index[cls]!, ...fields];

  it('reads every field kind: plain, class, arrays, @Dyn, codecs, @Shared, @Lazy, an abstract base', async () => {
    const b = await load(
      Box,
      box({
        any: [tagged('Circle', 1), [C1, ESC.Map, 'k', [C1, ESC.Set, 1]]],
        circle: [2],
        nums: [1, null, 3],
        grid: [['a'], []],
        shape: tagged('Square', 3),
        money: [C1, ESC.Codec, 'test.codec.money', [[C1, ESC.BigInt, '150'], 2]],
        at: 86_400_000,
        point: { x: 1, y: 2 },
        leaf: 0,
        lazy: 0,
        base: tagged('Circle', 4),
        circles: [[5], tagged('Circle', 6)],
        leaves: [0, null],
        monies: [[C1, ESC.Codec, 'test.codec.money', [[C1, ESC.BigInt, '7'], 0]], null],
      }),
      [leafKey, leafKey, leafKey],
    );
    expect(b.any).to.deep.equal([Circle.of(1), new Map([['k', new Set([1])]])]);
    expect(b.circle).to.deep.equal(Circle.of(2));
    expect(b.nums).to.deep.equal([1, null, 3]);
    expect(b.grid).to.deep.equal([['a'], []]);
    expect(b.shape).to.be.instanceOf(Square).and.deep.include({ side: 3 });
    expect(b.money).to.deep.equal(new Money(150n, 2));
    expect(b.at).to.deep.equal(new Date(86_400_000));
    expect(b.point).to.deep.equal(new Point(1, 2));
    expect(b.leaf).to.deep.equal(Leaf.of(7));
    expect((await b.lazy!.pin()).value).to.deep.equal(Leaf.of(7));
    expect(b.base).to.deep.equal(Circle.of(4));
    expect(b.circles).to.deep.equal([Circle.of(5), Circle.of(6)]);
    expect(b.leaves).to.deep.equal([Leaf.of(7), null]);
    expect(b.monies).to.deep.equal([new Money(7n, 0), null]);
  });

  it('reads plain data escapes exactly', async () => {
    const v = (
      await load(
        Box,
        box({
          any: [
            [C1, ESC.NegZero],
            [C1, ESC.BigInt, '-123456789012345678901234567890'],
            [C1, ESC.Object, '__proto__', 1],
            [C1, ESC.NullObject, 'k', 2],
            [C1, ESC.Typed, 7, Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0x3f)],
            [C1, ESC.Typed, 2, Uint8Array.of(1, 0, 0xff, 0xff)],
            [C1, ESC.Codec, 'test.codec.point', { x: 3, y: 4 }],
            [C1, ESC.Map],
            [C1, ESC.Set],
          ],
        }),
      )
    ).any as unknown[];
    expect(Object.is(v[0], -0)).to.equal(true);
    expect(v[1]).to.equal(-123456789012345678901234567890n);
    expect(Object.getOwnPropertyDescriptor(v[2], '__proto__')).to.deep.equal({
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.getPrototypeOf(v[2])).to.equal(Object.prototype);
    expect(Object.getPrototypeOf(v[3])).to.equal(null);
    expect({ ...(v[3] as object) }).to.deep.equal({ k: 2 });
    expect(v[4]).to.be.instanceOf(Float64Array);
    expect([...(v[4] as Float64Array)]).to.deep.equal([1]);
    expect(v[5]).to.be.instanceOf(Int16Array);
    expect([...(v[5] as Int16Array)]).to.deep.equal([1, -1]);
    expect(v[6]).to.deep.equal(new Point(3, 4));
    expect(v[7]).to.deep.equal(new Map());
    expect(v[8]).to.deep.equal(new Set());
  });

  it('refuses malformed escapes in plain data, saying what is wrong', async () => {
    const cases: Array<[unknown, string]> = [
      [[C1], 'an empty escape'],
      [[C1, ESC.Map, 'a'], 'a Map with an odd number of entries'],
      [[C1, ESC.NegZero, 0], 'a malformed -0'],
      [[C1, ESC.BigInt], 'a malformed bigint'],
      [[C1, ESC.BigInt, '12a'], 'a malformed bigint'],
      [[C1, ESC.BigInt, 12], 'a malformed bigint'],
      [[C1, ESC.BigInt, '1', '2'], 'a malformed bigint'],
      [[C1, ESC.Object, 'a'], 'an object with an odd number of entries'],
      [[C1, ESC.NullObject, 1, 2], 'an object key that is not a string'],
      [[C1, ESC.Typed, 99, Uint8Array.of(1)], 'a malformed typed array'],
      [[C1, ESC.Typed, 2], 'a malformed typed array'],
      [[C1, ESC.Typed, 2, [1, 2]], 'a malformed typed array'],
      [[C1, ESC.Typed, 7, Uint8Array.of(1, 2, 3, 4)], 'a malformed typed array'],
      [[C1, 9], 'unknown escape kind 9'],
      [[C1, ESC.Codec, 'test.codec.money'], 'a malformed codec value'],
      [[C1, ESC.Codec, 5, 1], 'a malformed codec value'],
      [[C1, ESC.Class + 99], 'class index 99 is not in its schema set'],
      // Class 0 is BrBox itself, untagged: never written as a polymorphic value.
      [[C1, ESC.Class + 0], 'an untagged BrBox written as polymorphic'],
      // Instances in plain data name their class by its index in the schema set, never by a name.
      [[C1, ESC.Instance, 'dog', { name: 'Rex' }], 'unknown escape kind 0'],
    ];
    for (const [value, message] of cases) await refused(Box, box({ any: [value] }), 'CORRUPT', message);
    await refused(
      Box,
      box({ any: [C1, ESC.Codec, 'no.such.codec', 1] }),
      'UNKNOWN_TAG',
      'codec "no.such.codec" is not registered by any loaded class (is the module calling registerCodec imported?)',
    );
  });

  it('refuses a value of another shape than its field declares, naming the class and field', async () => {
    const cases: Array<[Partial<Record<keyof Box, unknown>>, PagableErrorCode, string]> = [
      [{ circle: 5 }, 'CORRUPT', 'expected a Circle'],
      [{ circle: [C1] }, 'CORRUPT', 'an empty escape'],
      [{ circle: tagged('Square', 1) }, 'TYPE_MISMATCH', 'found a Square (tag "test.Square") where Circle is expected'],
      [{ circle: [C1, ESC.Instance, 'cat', {}] }, 'CORRUPT', 'a discriminator name "cat" outside a discriminated field'],
      [{ circle: [C1, ESC.Instance] }, 'CORRUPT', 'expected an instance of Circle'],
      [{ circle: [C1, ESC.Map, 'k', 1] }, 'CORRUPT', 'expected an instance of Circle'],
      [{ shape: [C1, ESC.Instance, 5, 1] }, 'CORRUPT', 'expected an instance of Shape'],
      [{ base: [1] }, 'CORRUPT', 'an untagged value of non-@Pagable Shape'],
      [{ nums: 5 }, 'CORRUPT', 'BrBox.nums: expected an array'],
      [{ nums: [C1, ESC.Set] }, 'CORRUPT', 'BrBox.nums: expected an array'],
      [{ nums: ['x'] }, 'TYPE_MISMATCH', 'BrBox.nums: stored string, declared Number'],
      [{ grid: [5] }, 'CORRUPT', 'BrBox.grid: expected an array'],
      [{ circles: 5 }, 'CORRUPT', 'expected an array'],
      [{ circles: [C1, ESC.Set] }, 'CORRUPT', 'expected an array'],
      [{ shape: 5 }, 'CORRUPT', 'expected a tagged value'],
      [{ shape: [] }, 'CORRUPT', 'expected a tagged value'],
      [{ shape: [3] }, 'CORRUPT', 'expected a tagged value'],
      [
        { shape: tagged('Module', 'p', 1, Uint8Array.of(1), [], null) },
        'TYPE_MISMATCH',
        'found a Module (tag "test.Module") where Shape is expected',
      ],
      [
        { shape: [C1, ESC.Codec, 'test.codec.money', [1, 0]] },
        'TYPE_MISMATCH',
        'found a Money (codec "test.codec.money") where Shape is expected',
      ],
      [
        { money: [C1, ESC.Codec, 'no.such', 1] },
        'UNKNOWN_TAG',
        'BrBox.money: codec "no.such" is not registered by any loaded class (is the module calling registerCodec imported?)',
      ],
      [
        { money: [C1, ESC.Codec, 'test.codec.point', { x: 1, y: 2 }] },
        'TYPE_MISMATCH',
        'BrBox.money: found a Point (codec "test.codec.point") where Money is expected',
      ],
      [{ leaf: 1 }, 'CORRUPT', 'expected an arc placeholder'],
      [{ leaf: 0 }, 'CORRUPT', 'refers to more child keys than it lists'],
      [{ leaves: [0] }, 'CORRUPT', 'refers to more child keys than it lists'],
      [{ lazy: 0 }, 'CORRUPT', 'refers to more child keys than it lists'],
    ];
    for (const [over, code, message] of cases) await refused(Box, box(over), code, message);
  });

  it('a codec field reads a registered subclass by its tag, and its encoding otherwise', async () => {
    // Point's codec field holding a Point3 written with its own codec.
    const b = await load(Box, box({ point: [C1, ESC.Codec, 'test.codec.point3', [1, 2, 3]] }));
    expect(b.point).to.deep.equal(new Point3(1, 2, 3));
    // An array of two values that begins like an escape is not one unless it is an escape.
    const at = await load(Box, box({ at: 5 }));
    expect(at.at).to.deep.equal(new Date(5));
  });

  it('a root of another kind than its class is refused; a tagged root is read as its tag', async () => {
    await refused(Circle, 5, 'TYPE_MISMATCH', 'stored plain data, declared Circle');
    await refused(Box, [], 'CORRUPT', 'a BrBox of 0 values where its schema has 14');
    await refused(Box, FIELDS.map(() => null).concat([null]), 'CORRUPT', 'a BrBox of 15 values where its schema has 14');
    expect(await load(Shape, tagged('Square', 9))).to.deep.equal(Square.of(9));
    await refused(Circle, tagged('Square', 9), 'TYPE_MISMATCH', 'found a Square (tag "test.Square") where Circle is expected');
    await refused(
      Shape,
      box({}),
      'NOT_PAGABLE',
      'stored an untagged BrBox, and Shape is not @Pagable; tag the stored classes or load through the concrete class',
    );
  });

  it('a tag checked against one expected class is checked again against another', async () => {
    await load(Box, box({ any: [tagged('Square', 1)] }));
    await refused(
      Box,
      box({ circle: tagged('Square', 1) }),
      'TYPE_MISMATCH',
      'found a Square (tag "test.Square") where Circle is expected',
    );
    expect((await load(Box, box({ shape: tagged('Square', 2) }))).shape).to.deep.equal(Square.of(2));
    expect((await load(Box, box({ any: [tagged('Square', 3)] }))).any).to.deep.equal([Square.of(3)]);
  });

  it('reads empty arrays and arrays of arrays, instances and escapes side by side past the nesting limit', async () => {
    const n = 1005;
    const b = await load(
      Box,
      box({
        any: Array.from({ length: n }, (_, i) =>
          i % 2 === 0 ? [C1, ESC.Codec, 'test.codec.point', { x: i, y: 0 }] : [C1, ESC.Object, 'k', i],
        ),
        nums: [],
        grid: Array.from({ length: n }, () => ['a']),
        circles: Array.from({ length: n }, (_, i) => [i]),
        monies: Array.from({ length: n }, () => [C1, ESC.Codec, 'test.codec.money', [[C1, ESC.BigInt, '1'], 0]]),
      }),
    );
    expect((b.any as unknown[])[n - 2]).to.deep.equal({ k: n - 2 });
    expect((b.any as unknown[])[0]).to.deep.equal(new Point(0, 0));
    expect(b.nums).to.deep.equal([]);
    expect(b.grid).to.have.length(n);
    expect(b.circles![n - 1]).to.deep.equal(Circle.of(n - 1));
    expect(b.monies).to.have.length(n);
    expect((await load(Box, box({ circles: [] }))).circles).to.deep.equal([]);
  });

  it('refuses empty escapes and instances of no values, escape kinds that are not numbers', async () => {
    const cases: Array<[Partial<Record<keyof Box, unknown>>, string]> = [
      [{ circle: [] }, 'a Circle of 0 values where its schema has 1'],
      [{ shape: [C1] }, 'an empty escape'],
      [{ circle: [C1] }, 'an empty escape'],
      [{ circle: [C1, 'x'] }, 'expected an escape kind'],
      [{ money: [C1, 'x', 1] }, 'expected an escape kind'],
      [{ circle: [C1, ESC.Instance, 'x'.repeat(150), {}] }, `a discriminator name "${'x'.repeat(60)}" outside a discriminated field`],
    ];
    for (const [over, message] of cases) await refused(Box, box(over), 'CORRUPT', message);
    await refused(
      Box,
      box({ money: [C1, ESC.Codec, 'y'.repeat(150), 1] }),
      'UNKNOWN_TAG',
      `BrBox.money: codec "${'y'.repeat(100)}" is not registered by any loaded class (is the module calling registerCodec imported?)`,
    );
  });

  it("a field codec's value written with its name is decoded by it, and checked against the declared class", async () => {
    expect((await load(Box, box({ at: [C1, ESC.Codec, 'test.codec.epoch', 5] }))).at).to.deep.equal(new Date(5));
    const more = await saved(Object.assign(new More(), { lazies: [PagableArc.new(Leaf.of(1), s)] }));
    const m = await s.load(More, await putIn(more, [[[[1]], []], [{ a: 1 }, 'x'], [0, null], null], [leafKey]));
    expect(m.grid).to.deep.equal([[Circle.of(1)], []]);
    expect(m.objs).to.deep.equal([{ a: 1 }, 'x']);
    expect(m.lazies![1]).to.equal(null);
    expect((await m.lazies![0]!.pin()).value).to.deep.equal(Leaf.of(7));
    const key = await putIn(more, [null, null, null, [C1, ESC.Codec, 'test.br.odd', 5]]);
    const e = await expectError(s.load(More, key), 'TYPE_MISMATCH');
    expect(e.message).to.equal(`blob ${key}: BrMore.odd: codec "test.br.odd" decoded a number, not a Date`);
  });

  it('a saved tagged root is read only where its class fits', async () => {
    const key = await s.save(Circle.of(1));
    const e = await expectError(s.load(Square, key), 'TYPE_MISMATCH');
    expect(e.message).to.equal(`blob ${key}: found a Circle (tag "test.Circle") where Square is expected`);
    expect(await s.load(Shape, key)).to.deep.equal(Circle.of(1));
  });

  it('a class-transformer model reads its discriminated field, and its other properties as own properties, never over a field', async () => {
    const s2 = new InMemoryPagableStorage();
    const { arcs } = await s2.fetchData(
      await s2.save(Object.assign(new Pen(), { pet: Object.assign(new Cat(), { name: 'c' }), note: 'n' })),
    );
    const put2 = async (root: unknown): Promise<DataKey> => await s2.storeData(dataBlob(root, arcs));
    const refused2 = async (root: unknown, code: PagableErrorCode, message: string): Promise<void> => {
      const key = await put2(root);
      const e = await expectError(s2.load(Pen, key), code);
      expect(e.message).to.equal(`blob ${key}: ${message}`);
    };
    const pen = await s2.load(Pen, await put2([[C1, ESC.Instance, 'dog', { name: 'Rex', barks: false }], { pet: 'evil', other: [1] }]));
    expect(pen).to.be.instanceOf(Pen);
    expect(pen.pet).to.be.instanceOf(Dog).and.deep.include({ name: 'Rex', barks: false });
    expect(Object.getOwnPropertyDescriptor(pen, 'other')).to.deep.equal({
      value: [1],
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.keys(pen)).to.deep.equal(['pet', 'other']);
    expect({ ...(await s2.load(Pen, await put2([null, null]))) }).to.deep.equal({ pet: null });
    for (const rest of [5, 'x', [1], [C1, ESC.Map], [C1, ESC.Set]])
      await refused2([null, rest], 'CORRUPT', 'BrPen: its other properties are not a record');
    await refused2([5, null], 'CORRUPT', 'expected a discriminated value');
    await refused2([[], null], 'CORRUPT', 'expected a discriminated value');
    await refused2([[5], null], 'CORRUPT', 'expected a discriminated value');
    await refused2([[C1, ESC.Instance, 'cow', null], null], 'UNKNOWN_TAG', `"cow" is not one of the discriminator's subtypes (dog, cat)`);
    await refused2([[C1, ESC.Instance, 'dog'], null], 'CORRUPT', 'a Dog of 0 values where its schema has 1');
    await refused2([[C1, ESC.Instance, 7, null], null], 'CORRUPT', 'expected an instance');
    await refused2([[C1], null], 'CORRUPT', 'an empty escape');
    await refused2(
      [[C1, ESC.Instance, 'x'.repeat(150), null], null],
      'UNKNOWN_TAG',
      `"${'x'.repeat(100)}" is not one of the discriminator's subtypes (dog, cat)`,
    );
    const { arcs: bareArcs } = await s2.fetchData(await s2.save(new UnpagablePen()));
    const bare = await s2.storeData(dataBlob([[C1, ESC.Instance, 'bare', { a: 2 }], null], bareArcs));
    const e = await expectError(s2.load(UnpagablePen, bare), 'NOT_PAGABLE');
    expect(e.message).to.equal(`blob ${bare}: class Unpagable is not @Pagable`);
    await s2.close();
  });
});
