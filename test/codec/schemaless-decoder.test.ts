import { Type } from 'class-transformer';
import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { C1, packr } from '../../src/codec/wire.js';
import { MAX_INLINE_DEPTH } from '../../src/codec/wire-rules.js';
import type { DecodeContext } from '../../src/codec/decode-context.js';
import type { SchemalessDecoder } from '../../src/codec/schemaless-decoder.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';
import {
  type Class,
  type DataKey,
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  type PagableErrorCode,
  Shared,
  TypeTag,
} from '../../src/index.js';
import { Cat, Dog, PET_DISCRIMINATOR, type Pet, UnpagablePen } from '../support/ct-models.js';
import { ESC } from '../support/hand-blobs.js';
import { Money } from '../support/codec-models.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Leaf, Module, Shape, Square } from '../support/models.js';

/*
 * Blobs written before schema evolution (no 0xC1 first byte) keep loading: a msgpack value, after
 * an optional msgpack string (the root's type tag), read positionally against the reader's class
 * (schemaless-decoder.ts). Built here by hand with msgpackr, C1 being its sentinel for the 0xC1
 * byte that starts an escape ([C1, kind, ...]). Every kind of value reads back exactly; a hostile
 * blob is refused with the PagableError and the message that name the class, field and tag.
 */

/** One field of each kind the schemaless format stored. */
@Pagable({ name: 'SlBox' })
class Box {
  @Field() any!: unknown;
  @Field(() => Date) when!: Date;
  @Field(() => Circle) circle!: Circle;
  @Field(() => [Number]) nums!: number[];
  @Dyn(() => Shape) shape!: Shape;
  @Field(() => Money) money!: Money;
  @Shared(() => Leaf) leaf!: Leaf;
  @Lazy(() => Leaf) lazy!: PagableArc<Leaf>;
  @Field(() => Shape) base!: Shape;
}

/** A class-transformer model: its discriminated pet, then the record of its other properties. */
@Pagable({ name: 'SlPen' })
class Pen {
  @Type(() => Object, PET_DISCRIMINATOR) pet!: Pet;
  note?: string;
}

/** Nested through itself, for the depth limit. */
@Pagable({ name: 'SlNode' })
class Node {
  @Field(() => Node) next!: Node | undefined;
}

/** A tagged class holding plain data, for nested instances. */
@TypeTag('test.sl.Wrap')
@Pagable()
class Wrap {
  @Field() x!: unknown;
}

/** An array of instances. */
@Pagable({ name: 'SlList' })
class List {
  @Field(() => [Circle]) list!: Array<Circle | null>;
}

/** Told when it is restored. */
@Pagable({ name: 'SlHooked' })
class Hooked {
  @Field() n!: number;
  restoredN: number | undefined;
  afterPageIn(): void {
    this.restoredN = this.n;
  }
}

/** A field named `__proto__`. */
const Protoish = (() => {
  const C = class SlProtoish {};
  Field(() => String)(C.prototype, '__proto__');
  Field(() => Number)(C.prototype, 'n');
  Pagable()(C);
  return C;
})();

/** A schemaless blob: the msgpack of `body`, after the tag's msgpack string when given. */
function blob(body: unknown, tag?: string): Buffer {
  return Buffer.concat(tag === undefined ? [packr.pack(body)] : [packr.pack(tag), packr.pack(body)]);
}

/** `n` arrays (or what `wrap` makes) nested in each other around `inner`. */
function nest(n: number, wrap: (x: unknown) => unknown, inner: unknown = 1): unknown {
  let v = inner;
  for (let i = 0; i < n; i++) v = wrap(v);
  return v;
}

describe('codec: schemaless blobs (written before schema evolution)', () => {
  let s: InMemoryPagableStorage;
  let leafKey: DataKey;
  beforeEach(async () => {
    s = new InMemoryPagableStorage();
    leafKey = await s.storeData({ data: blob([7]), arcs: [] });
  });
  afterEach(() => s.close());

  const put = async (data: Uint8Array, arcs: DataKey[] = []): Promise<DataKey> => await s.storeData({ data, arcs });
  const load = async <T>(cls: Class<T>, data: Uint8Array, arcs: DataKey[] = []): Promise<T> => s.load(cls, await put(data, arcs));
  /** Loading `data` as `cls` fails with `code` and exactly `message` after the blob's key. */
  const refused = async (cls: Class, data: Uint8Array, code: PagableErrorCode, message: string, arcs: DataKey[] = []): Promise<void> => {
    const key = await put(data, arcs);
    const e = await expectError(s.load(cls, key), code);
    expect(e.message).to.equal(`blob ${key}: ${message}`);
  };
  /** A Box body with `over` in place of the defaults (a valid Box). */
  const box = (over: Partial<Record<keyof Box, unknown>> = {}): unknown[] => {
    const v: Record<keyof Box, unknown> = {
      any: null,
      when: null,
      circle: null,
      nums: null,
      shape: null,
      money: null,
      leaf: null,
      lazy: null,
      base: null,
      ...over,
    };
    return [v.any, v.when, v.circle, v.nums, v.shape, v.money, v.leaf, v.lazy, v.base];
  };

  it('reads each field kind positionally: plain, built-in, class (inline or tagged), array, @Dyn, codec, @Shared, @Lazy', async () => {
    const b = await load(
      Box,
      blob(
        box({
          any: [C1, ESC.Map, 'a', [C1, ESC.Set, 1, 2]],
          when: new Date(5),
          circle: [2.5],
          nums: [1, null, 3],
          shape: [C1, ESC.Instance, 'test.Square', 4],
          money: [[C1, ESC.BigInt, '150'], 2],
          leaf: 0,
          lazy: 0,
          base: [C1, ESC.Instance, 'test.Circle', 6],
        }),
      ),
      [leafKey, leafKey],
    );
    expect(b).to.be.instanceOf(Box);
    expect(b.any).to.deep.equal(new Map([['a', new Set([1, 2])]]));
    expect(b.when).to.deep.equal(new Date(5));
    expect(b.circle).to.be.instanceOf(Circle).and.deep.include({ r: 2.5 });
    expect(b.nums).to.deep.equal([1, null, 3]);
    expect(b.shape).to.be.instanceOf(Square).and.deep.include({ side: 4 });
    expect(b.money).to.be.instanceOf(Money).and.deep.include({ units: 150n, scale: 2 });
    expect(b.leaf).to.be.instanceOf(Leaf).and.deep.include({ v: 7 });
    expect((await b.lazy.pin()).value.v).to.equal(7);
    expect(b.base).to.be.instanceOf(Circle).and.deep.include({ r: 6 });
  });

  it('fields a blob lacks (added to the class since) read as undefined; null and undefined stay so in every kind', async () => {
    const short = await load(Box, blob([5]));
    expect({ ...short }).to.deep.equal({
      any: 5,
      when: undefined,
      circle: undefined,
      nums: undefined,
      shape: undefined,
      money: undefined,
      leaf: undefined,
      lazy: undefined,
      base: undefined,
    });
    const nulls = await load(Box, blob(box()));
    expect(Object.values(nulls)).to.deep.equal(Array(9).fill(null));
  });

  it('plain data of every kind reads exactly, nested in arrays, objects, Maps and Sets', async () => {
    const bytes = Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40); // 1.0 and 2.0, little-endian
    const v = (await load(
      Object,
      blob({
        s: 'x',
        n: [1, -1.5, true, null],
        o: { deep: { list: [[C1, ESC.NegZero]] } },
        big: [C1, ESC.BigInt, '-123456789012345678901234567890'],
        proto: [C1, ESC.Object, '__proto__', 1, 'b', [C1, ESC.Set, 'x']],
        bare: [C1, ESC.NullObject, 'k', 2],
        f64: [C1, ESC.Typed, 7, bytes.subarray(0)],
        i16: [C1, ESC.Typed, 2, Uint8Array.of(1, 0, 0xff, 0xff)],
        bytes: Uint8Array.of(9, 8),
        date: new Date(1),
        tagged: [C1, ESC.Instance, 'test.Circle', 3],
      }),
    )) as Record<string, unknown>;
    expect(v.s).to.equal('x');
    expect(v.n).to.deep.equal([1, -1.5, true, null]);
    expect(Object.is((v.o as { deep: { list: unknown[] } }).deep.list[0], -0)).to.equal(true);
    expect(v.big).to.equal(-123456789012345678901234567890n);
    const proto = v.proto as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')).to.deep.equal({
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(proto.b).to.deep.equal(new Set(['x']));
    expect(Object.getPrototypeOf(v.bare)).to.equal(null);
    expect({ ...(v.bare as object) }).to.deep.equal({ k: 2 });
    expect(v.f64).to.be.instanceOf(Float64Array);
    expect([...(v.f64 as Float64Array)]).to.deep.equal([1, 2]);
    expect([...(v.i16 as Int16Array)]).to.deep.equal([1, -1]);
    expect(v.i16).to.be.instanceOf(Int16Array);
    // Its own exactly sized bytes, not a view of the blob's buffer.
    const own = v.bytes as Uint8Array;
    expect(own.constructor).to.equal(Uint8Array);
    expect([...own]).to.deep.equal([9, 8]);
    expect([own.byteOffset, own.buffer.byteLength]).to.deep.equal([0, 2]);
    expect(v.date).to.deep.equal(new Date(1));
    expect(v.tagged).to.be.instanceOf(Circle).and.deep.include({ r: 3 });
    // A root that is a string alone (a msgpack str, as a tag would be) is that string.
    expect(await load(Object, packr.pack('just text'))).to.equal('just text');
  });

  it('a tagged root reads as the class of its tag, where that class (or a base of it) is expected', async () => {
    expect(await load(Object, blob([1], 'test.Circle')))
      .to.be.instanceOf(Circle)
      .and.deep.include({ r: 1 });
    expect(await load(Shape, blob([2], 'test.Square')))
      .to.be.instanceOf(Square)
      .and.deep.include({ side: 2 });
    await refused(Circle, blob([2], 'test.Square'), 'TYPE_MISMATCH', 'found a Square (tag "test.Square") where Circle is expected');
    await refused(
      Object,
      blob([2], 'no.such.Tag'),
      'UNKNOWN_TAG',
      'type tag "no.such.Tag" is not registered by any loaded class (is the module declaring it imported?)',
    );
    await refused(Circle, blob(5, 'test.Circle'), 'CORRUPT', 'the body of a Circle is not an array');
    await refused(Leaf, blob({ v: 1 }), 'CORRUPT', 'the body of a test.Leaf is not an array');
    await refused(
      Shape,
      blob([1]),
      'NOT_PAGABLE',
      'untagged, and Shape is not @Pagable; tag the stored classes or load through the concrete class',
    );
  });

  it('a tag checked once against one expected class is checked again against another', async () => {
    // The plain field sees the Square first (anything goes there); the Circle field then refuses it.
    await refused(
      Box,
      blob(box({ any: [C1, ESC.Instance, 'test.Square', 1], circle: [C1, ESC.Instance, 'test.Square', 1] })),
      'TYPE_MISMATCH',
      'found a Square (tag "test.Square") where Circle is expected',
    );
    await refused(
      Box,
      blob(box({ any: [C1, ESC.Instance, 'test.Module', 'p'], shape: [C1, ESC.Instance, 'test.Module', 'p'] })),
      'TYPE_MISMATCH',
      'found a Module (tag "test.Module") where Shape is expected',
    );
    const ok = await load(Box, blob(box({ any: [C1, ESC.Instance, 'test.Square', 1], shape: [C1, ESC.Instance, 'test.Square', 2] })));
    expect([ok.any, ok.shape].map((x) => (x as Square).side)).to.deep.equal([1, 2]);
  });

  it('refuses a value of another shape than its field declares, naming the class and field', async () => {
    const cases: Array<[Partial<Record<keyof Box, unknown>>, PagableErrorCode, string]> = [
      [{ when: 'noon' }, 'TYPE_MISMATCH', 'SlBox.when: stored string, declared Date'],
      [{ when: [C1, ESC.Map] }, 'TYPE_MISMATCH', 'SlBox.when: stored Map, declared Date'],
      [{ circle: 5 }, 'CORRUPT', 'SlBox.circle: expected a Circle'],
      [{ circle: [C1, ESC.Map] }, 'CORRUPT', 'SlBox.circle: expected a Circle'],
      [{ base: [4] }, 'CORRUPT', 'SlBox.base: an untagged value of non-@Pagable Shape'],
      [{ nums: 5 }, 'CORRUPT', 'SlBox.nums: expected an array'],
      [{ nums: [C1, ESC.Set, 1] }, 'CORRUPT', 'SlBox.nums: expected an array'],
      [{ nums: [1, 'two'] }, 'TYPE_MISMATCH', 'SlBox.nums: stored string, declared Number'],
      [{ shape: [4] }, 'CORRUPT', 'SlBox.shape: expected a tagged value'],
      [{ shape: 4 }, 'CORRUPT', 'SlBox.shape: expected a tagged value'],
      [{ shape: [C1, ESC.Map, 'test.Square', 4] }, 'CORRUPT', 'SlBox.shape: expected a tagged value'],
      [{ leaf: 1 }, 'CORRUPT', 'SlBox.leaf: expected an arc placeholder'],
      [{ leaf: 0, lazy: 0 }, 'CORRUPT', 'SlBox.lazy: refers to more child keys than it lists'],
      [{ any: [C1, ESC.Instance, 5, 1] }, 'CORRUPT', 'a type tag is not a string'],
    ];
    for (const [over, code, message] of cases) await refused(Box, blob(box(over)), code, message, over.leaf === 0 ? [leafKey] : []);
  });

  it('refuses a blob whose child keys are not the ones its arc fields refer to', async () => {
    await refused(Box, blob(box()), 'CORRUPT', 'it lists 1 child keys but refers to 0', [leafKey]);
    await refused(Box, blob(box({ leaf: 0 })), 'CORRUPT', 'it lists 2 child keys but refers to 1', [leafKey, leafKey]);
  });

  it('refuses malformed plain data, saying what is wrong', async () => {
    const cases: Array<[unknown, string]> = [
      [[C1, ESC.Map, 'a'], 'a Map with an odd number of entries'],
      [[C1, ESC.BigInt, '12a'], 'a malformed bigint'],
      [[C1, ESC.BigInt, 12], 'a malformed bigint'],
      [[C1, ESC.Object, 'a'], 'an object with an odd number of entries'],
      [[C1, ESC.NullObject, 'a', 1, 'b'], 'an object with an odd number of entries'],
      [[C1, ESC.Object, 1, 2], 'an object key that is not a string'],
      [[C1, ESC.Typed, 99, Uint8Array.of(1)], 'a malformed typed array'],
      [[C1, ESC.Typed, '2', Uint8Array.of(1, 2)], 'a malformed typed array'],
      [[C1, ESC.Typed, 2, [1, 2]], 'a malformed typed array'],
      [[C1, ESC.Typed, 7, Uint8Array.of(1, 2, 3, 4, 5, 6, 7)], 'a malformed typed array'],
      [[C1, 99], 'unknown escape kind 99'],
      [[C1, null], 'unknown escape kind (a null)'],
      [[C1, 'x'], 'unknown escape kind (a string)'],
      [{ a: C1 }, 'a stray C1 byte'],
    ];
    for (const [value, message] of cases) {
      await refused(Object, blob({ wrapped: [value] }), 'CORRUPT', message);
      await refused(Box, blob(box({ any: value })), 'CORRUPT', message);
    }
    // An extension msgpackr knows and this format never wrote: a RegExp.
    const regexp = new Packr({ moreTypes: true, structuredClone: false }).pack(/x/);
    await refused(Object, regexp, 'CORRUPT', 'unexpected RegExp in plain data');
  });

  it(`nests up to ${MAX_INLINE_DEPTH} values deep (arrays, objects, Maps, Sets, escaped objects, instances); one more is CORRUPT`, async () => {
    // How each is written, and what it reads as.
    const kinds: Array<[string, (x: unknown) => unknown, (x: unknown) => unknown]> = [
      ['array', (x) => [x], (x) => [x]],
      ['object', (x) => ({ k: x }), (x) => ({ k: x })],
      ['Map', (x) => [C1, ESC.Map, 'k', x], (x) => new Map([['k', x]])],
      ['Set', (x) => [C1, ESC.Set, x], (x) => new Set([x])],
      ['escaped object', (x) => [C1, ESC.Object, 'k', x], (x) => ({ k: x })],
      ['instance', (x) => [C1, ESC.Instance, 'test.sl.Wrap', x], (x) => Object.assign(new Wrap(), { x })],
    ];
    for (const [kind, wrap, read] of kinds) {
      const ok = await load(Object, blob(nest(MAX_INLINE_DEPTH, wrap)));
      expect(ok, kind).to.deep.equal(nest(MAX_INLINE_DEPTH, read));
      await refused(Object, blob(nest(MAX_INLINE_DEPTH + 1, wrap)), 'CORRUPT', `nesting deeper than ${MAX_INLINE_DEPTH}`);
      // Depth is of nesting, not of count: as many side by side, each one deep, read.
      const wide = (await load(Object, blob(Array.from({ length: MAX_INLINE_DEPTH + 5 }, () => wrap(1))))) as unknown[];
      expect(wide, kind).to.have.length(MAX_INLINE_DEPTH + 5);
    }
    // Instances of a declared class, nested through its field.
    const chain = (n: number): unknown => nest(n, (x) => [x], null);
    expect(await load(Node, blob(chain(MAX_INLINE_DEPTH)))).to.be.instanceOf(Node);
    await refused(Node, blob(chain(MAX_INLINE_DEPTH + 1)), 'CORRUPT', `nesting deeper than ${MAX_INLINE_DEPTH}`);
  });

  it('reads a blob of as many values as bytes (many empty arrays and objects)', async () => {
    const many = (await load(Object, blob(Array.from({ length: 3000 }, (_, i) => (i % 2 === 0 ? [] : {}))))) as unknown[];
    expect(many).to.have.length(3000);
    expect(many[2999]).to.deep.equal({});
  });

  it('a class-transformer model reads its discriminated field and its other properties; the record never overwrites a field', async () => {
    const pen = await load(Pen, blob([[C1, ESC.Instance, 'cat', { name: 'Tom', lives: 3 }], { note: 'n', pet: 'not a pet' }]));
    expect(pen).to.be.instanceOf(Pen);
    expect(pen.pet).to.be.instanceOf(Cat).and.deep.include({ name: 'Tom', lives: 3 });
    expect(Object.getOwnPropertyDescriptor(pen, 'note')).to.deep.equal({
      value: 'n',
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.keys(pen)).to.deep.equal(['pet', 'note']);
    expect((await load(Pen, blob([[C1, ESC.Instance, 'dog', null]]))).pet).to.be.instanceOf(Dog);
    await refused(Pen, blob([5]), 'CORRUPT', 'SlPen.pet: expected a discriminated value');
    await refused(Pen, blob([[C1, ESC.Map, 'cat']]), 'CORRUPT', 'SlPen.pet: expected a discriminated value');
    await refused(Pen, blob([[C1, ESC.Instance, 3]]), 'CORRUPT', 'SlPen.pet: expected a discriminated value');
    await refused(
      Pen,
      blob([[C1, ESC.Instance, 'cow']]),
      'UNKNOWN_TAG',
      `SlPen.pet: "cow" is not one of the discriminator's subtypes (dog, cat)`,
    );
    for (const rest of [5, 'x', [1], [C1, ESC.Map, 'a', 1], [C1, ESC.Set]])
      await refused(Pen, blob([null, rest]), 'CORRUPT', 'SlPen: its other properties are not a record');
    expect({ ...(await load(Pen, blob([null, null]))) }).to.deep.equal({ pet: null });
  });

  it("ignores values past the class's fields (fields removed since); a blob of a tag alone holds no instance", async () => {
    const leaf = await load(Leaf, blob([7, 'gone', { also: 'gone' }]));
    expect({ ...leaf }).to.deep.equal({ v: 7 });
    const key = await put(packr.pack('test.Circle'));
    const e = await expectError(s.load(Circle, key), 'CORRUPT');
    expect(e.message.startsWith(`blob ${key}: the blob does not decode (`), e.message).to.equal(true);
  });

  it('reads null elements of an array of instances as null; a codec that cannot decode is TYPE_MISMATCH naming the field', async () => {
    expect((await load(List, blob([[null, [1], undefined]]))).list).to.deep.equal([null, Circle.of(1), undefined]);
    const key = await put(blob(box({ money: 5 })));
    const e = await expectError(s.load(Box, key), 'TYPE_MISMATCH');
    const want = `blob ${key}: SlBox.money: codec "test.codec.money" (Money) could not decode the stored number: decode threw TypeError`;
    expect(e.message.startsWith(want), e.message).to.equal(true);
  });

  it('cuts a long tag or discriminator name in messages to its first 100 characters', async () => {
    const long = 'x'.repeat(100);
    await refused(
      Object,
      blob([1], `${long}yyy`),
      'UNKNOWN_TAG',
      `type tag "${long}" is not registered by any loaded class (is the module declaring it imported?)`,
    );
    await refused(
      Pen,
      blob([[C1, ESC.Instance, `${long}yyy`]]),
      'UNKNOWN_TAG',
      `SlPen.pet: "${long}" is not one of the discriminator's subtypes (dog, cat)`,
    );
  });

  it('a discriminator name of a class that is not @Pagable is NOT_PAGABLE', async () => {
    await refused(UnpagablePen, blob([[C1, ESC.Instance, 'bare', { a: 2 }]]), 'NOT_PAGABLE', 'class Unpagable is not @Pagable');
  });

  it('refuses a bigint whose text is not a string', async () => {
    await refused(Object, blob([[C1, ESC.BigInt, ['1']]]), 'CORRUPT', 'a malformed bigint');
  });

  it('runs afterPageIn on a restored instance, and reads a field named __proto__ as an own property', async () => {
    const h = await load(Hooked, blob([4]));
    expect(h.restoredN).to.equal(4);
    const p = (await load(Protoish, blob(['own', 2]))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(p)).to.equal(Protoish.prototype);
    expect(Object.getOwnPropertyDescriptor(p, '__proto__')?.value).to.equal('own');
    expect(p.n).to.equal(2);
  });

  it('reads tagged values of the Module fixture class positionally (its @Dyn icon included)', async () => {
    const m = await load(Module, blob(['m.ts', 3, Uint8Array.of(1), [], [C1, ESC.Instance, 'test.Circle', 1]], 'test.Module'));
    expect(m).to.be.instanceOf(Module).and.deep.include({ path: 'm.ts', size: 3 });
    expect(m.icon).to.be.instanceOf(Circle);
  });
});

describe('codec: schemaless field decoders compiled afresh', () => {
  // Field decoders are compiled once per class and kept: a fresh instance of the module compiles
  // them again, as a new process would (the mutation run is one process).
  let fresh = 0;
  const freshDecoder = async (): Promise<typeof SchemalessDecoder> =>
    (
      (await import(new URL(`../../src/codec/schemaless-decoder.js?fresh=${++fresh}`, import.meta.url).href)) as {
        SchemalessDecoder: typeof SchemalessDecoder;
      }
    ).SchemalessDecoder;

  it('reads every field kind, the record of other properties and a __proto__ field, and refuses as loads do', async () => {
    const Fresh = await freshDecoder();
    const restored: object[] = [];
    const ctx: DecodeContext = {
      shared: (key) => `shared ${key}`,
      sharedAt: () => undefined,
      lazy: (key) => `lazy ${key}`,
      lazyAt: () => undefined,
      restored: (obj) => restored.push(obj),
    };
    const read = (cls: Class, body: unknown, arcs: string[] = [], key: string | null = 'k'): unknown =>
      new Fresh(ctx).decode(
        { data: blob(body), arcs: arcs as DataKey[] },
        getClassMeta(cls)!.asSchema,
        (key ?? undefined) as DataKey | undefined,
      );
    const b = read(
      Box,
      [[C1, ESC.Set, 1], new Date(3), [2], [1, 2], [C1, ESC.Instance, 'test.Square', 4], null, 0, 0, null],
      ['k1', 'k2'],
    ) as Box;
    expect({ ...b, circle: undefined, shape: undefined }).to.deep.equal({
      any: new Set([1]),
      when: new Date(3),
      circle: undefined,
      nums: [1, 2],
      shape: undefined,
      money: null,
      leaf: 'shared k1',
      lazy: 'lazy k2',
      base: null,
    });
    expect(b.circle).to.deep.equal(Circle.of(2));
    expect(b.shape).to.deep.equal(Square.of(4));
    expect((read(Box, ['plain']) as Box).any).to.equal('plain');
    expect(() => read(Box, [null, 'noon'])).to.throw('blob k: SlBox.when: stored string, declared Date');
    expect(() => read(Box, [null, 'noon'], [], null)).to.throw('blob: SlBox.when: stored string, declared Date');
    const pen = read(Pen, [[C1, ESC.Instance, 'cat', { name: 'Tom' }], { note: 'n', pet: 'evil' }]) as Pen;
    expect(pen.pet).to.be.instanceOf(Cat).and.deep.include({ name: 'Tom' });
    expect(pen.note).to.equal('n');
    const p = read(Protoish, ['own', 1]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(p)).to.equal(Protoish.prototype);
    expect(Object.getOwnPropertyDescriptor(p, '__proto__')?.value).to.equal('own');
    expect({ ...(read(Leaf, [7, 'gone']) as object) }).to.deep.equal({ v: 7 });
    const h = read(Hooked, [5]);
    expect(restored).to.deep.equal([h]);
  });
});
