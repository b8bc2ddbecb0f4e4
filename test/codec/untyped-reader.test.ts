/*
 * What a field's `migrate` is given when the stored value's kind cannot be the declared type
 * (src/codec/untyped-reader.ts): the value read by its stored type alone. Plain data as itself, a
 * loaded tagged class as that class, an untagged one as a plain object of its stored fields, a
 * codec'd value through its codec, arrays element by element, at any depth.
 */
import { Type } from 'class-transformer';
import { expect } from 'chai';
import { C1, unpackr } from '../../src/codec/wire.js';
import { dataBlob } from '../support/hand-blobs.js';
import {
  type DataKey,
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  type PagableErrorCode,
  Shared,
} from '../../src/index.js';
import { Money, Point, Point3, epochCodec } from '../support/codec-models.js';
import { Cat, PET_DISCRIMINATOR, type Pet } from '../support/ct-models.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Leaf, Shape, Square } from '../support/models.js';

@Pagable({ name: 'untyped.Inner' })
class Inner {
  @Field() a!: number;
  @Field() b!: string[];
}

@Pagable({ name: 'untyped.Holder' })
class HolderV1 {
  @Field(() => [[Inner]]) inners!: Inner[][];
  @Dyn(() => Shape) shape!: Shape;
  @Field(() => [Shape]) shapes!: Shape[];
  @Field(() => [Money]) money!: Money[];
  @Field() point!: Point;
  @Field() plain!: unknown;
}

/** What each migrate of HolderV2 was given. */
const given: Record<string, unknown> = {};
const keep =
  (name: string) =>
  (v: unknown): string => {
    given[name] = v;
    return name;
  };

@Pagable({ name: 'untyped.Holder' })
class HolderV2 {
  @Field({ migrate: keep('inners') }) inners!: string;
  @Field({ migrate: keep('shape') }) shape!: string;
  @Field({ migrate: keep('shapes') }) shapes!: string;
  @Field({ migrate: keep('money') }) money!: string;
  @Field({ migrate: keep('point') }) point!: string;
  @Field({ migrate: keep('plain') }) plain!: string;
}

describe('untyped reader: what migrate is given', () => {
  it('nested arrays of untagged instances as plain objects, tagged ones and codec values as themselves, plain data as stored', async () => {
    const s = new InMemoryPagableStorage();
    const inner = (a: number): Inner => Object.assign(new Inner(), { a, b: [`${a}`] });
    const v1 = Object.assign(new HolderV1(), {
      inners: [[inner(1), inner(2)], [], [inner(3)]],
      shape: Circle.of(2),
      shapes: [Square.of(3), Circle.of(4)],
      money: [Money.of('1.25'), Money.of('2.50')],
      point: new Point(1, 2),
      plain: { x: [1, 'y'] },
    });
    const back = await s.load(HolderV2, await s.save(v1));
    expect({ ...back }).to.deep.equal({
      inners: 'inners',
      shape: 'shape',
      shapes: 'shapes',
      money: 'money',
      point: 'point',
      plain: 'plain',
    });
    expect(given['inners']).to.deep.equal([
      [
        { a: 1, b: ['1'] },
        { a: 2, b: ['2'] },
      ],
      [],
      [{ a: 3, b: ['3'] }],
    ]);
    expect(Object.getPrototypeOf((given['inners'] as object[][])[0]![0])).to.equal(Object.prototype);
    expect(given['shape']).to.be.instanceOf(Circle).and.deep.equal(Circle.of(2));
    const shapes = given['shapes'] as Shape[];
    expect(shapes[0]).to.be.instanceOf(Square).and.deep.equal(Square.of(3));
    expect(shapes[1]).to.be.instanceOf(Circle).and.deep.equal(Circle.of(4));
    const money = given['money'] as Money[];
    expect(money.map((m) => m instanceof Money && m.toString())).to.deep.equal(['1.25', '2.50']);
    expect(given['point']).to.be.instanceOf(Point).and.deep.include({ x: 1, y: 2 });
    expect(given['plain']).to.deep.equal({ x: [1, 'y'] });
  });
});

/** A class-transformer model (no pagable field decorators): its properties go to the stored record of other properties. */
@Pagable({ name: 'untyped.Settings' })
class Settings {
  theme = 'dark';
  size = 12;
}

@Pagable({ name: 'untyped.Prefs' })
class PrefsV1 {
  @Field() settings!: Settings;
}

let settingsGiven: unknown;

@Pagable({ name: 'untyped.Prefs' })
class PrefsV2 {
  @Field({
    migrate: (v: unknown) => {
      settingsGiven = v;
      return JSON.stringify(v);
    },
  })
  settings!: string;
}

describe('untyped reader: class-transformer models', () => {
  it('a model stored by class-transformer properties reaches migrate with every property', async () => {
    const s = new InMemoryPagableStorage();
    try {
      const v1 = Object.assign(new PrefsV1(), { settings: Object.assign(new Settings(), { theme: 'light', size: 14 }) });
      const back = await s.load(PrefsV2, await s.save(v1));
      expect(settingsGiven).to.deep.equal({ theme: 'light', size: 14 });
      expect(back.settings).to.equal('{"theme":"light","size":14}');
    } finally {
      await s.close();
    }
  });
});

/** Written with a discriminated pet (a class-transformer model), codec'd values, arcs. */
@Pagable({ name: 'untyped.Kinds' })
class KindsV1 {
  @Field(() => Point) point: Point | null = null;
  @Field(() => Date, { codec: epochCodec }) at: Date | null = null;
  @Lazy(() => Leaf) lazy: PagableArc<Leaf> | null = null;
  @Shared(() => Leaf) shared: Leaf | null = null;
  @Field(() => [[Number]]) grid: number[][] | null = null;
}

@Pagable({ name: 'untyped.Pen' })
class PenV1 {
  @Type(() => Object, PET_DISCRIMINATOR) pet: Pet | null = null;
}

const kindsGiven: Record<string, unknown> = {};
const into =
  (name: string) =>
  (v: unknown): string => {
    kindsGiven[name] = v;
    return name;
  };

describe('untyped reader: codecs, arcs and discriminated values', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => (s = new InMemoryPagableStorage()));
  afterEach(() => s.close());

  it("a subclass's value stored through its own codec, a field codec's encoding, a @Lazy child as a PagedOut arc", async () => {
    @Pagable({ name: 'untyped.Kinds' })
    class KindsV2 {
      @Field({ migrate: into('point') }) point!: string;
      @Field({ migrate: into('at') }) at!: string;
      @Field({ migrate: into('lazy') }) lazy!: string;
      @Field({ migrate: into('grid') }) grid!: string;
    }
    const lazy = PagableArc.new(Object.assign(new Leaf(), { v: 5 }), s);
    const key = await s.save(
      Object.assign(new KindsV1(), { point: new Point3(1, 2, 3), at: new Date(86_400_000), lazy, grid: [[1], [2, 3]] }),
    );
    const back = await s.load(KindsV2, key);
    expect({ ...back }).to.deep.equal({ point: 'point', at: 'at', lazy: 'lazy', grid: 'grid' });
    expect(kindsGiven['point']).to.be.instanceOf(Point3).and.deep.include({ x: 1, y: 2, z: 3 });
    // A field's own codec is not registered: its encoding as stored.
    expect(kindsGiven['at']).to.equal(86_400_000);
    const arc = kindsGiven['lazy'] as PagableArc<Leaf>;
    expect(arc).to.be.instanceOf(PagableArc);
    expect(arc.state).to.equal('PagedOut');
    expect(kindsGiven['grid']).to.deep.equal([[1], [2, 3]]);
  });

  it('a @Shared child cannot be migrated: TYPE_MISMATCH naming class and field', async () => {
    @Pagable({ name: 'untyped.Kinds' })
    class KindsV3 {
      @Field({ migrate: into('shared') }) shared!: string;
    }
    const key = await s.save(Object.assign(new KindsV1(), { shared: Object.assign(new Leaf(), { v: 1 }) }));
    const e = await expectError(s.load(KindsV3, key), 'TYPE_MISMATCH');
    expect(e.message).to.equal(`blob ${key}: untyped.Kinds.shared: a @Shared child is restored after its parent, so it cannot be migrated`);
  });

  it('a discriminated value as a plain object of its properties', async () => {
    @Pagable({ name: 'untyped.Pen' })
    class PenV2 {
      @Field({ migrate: into('pet') }) pet!: string;
    }
    const back = await s.load(
      PenV2,
      await s.save(Object.assign(new PenV1(), { pet: Object.assign(new Cat(), { name: 'Tom', lives: 3 }) })),
    );
    expect(back.pet).to.equal('pet');
    expect(kindsGiven['pet']).to.deep.equal({ name: 'Tom', lives: 3 });
    expect(Object.getPrototypeOf(kindsGiven['pet'])).to.equal(Object.prototype);
  });
});

/** Written with every kind migrate can be given; read back by a version that migrates each. */
@Pagable({ name: 'untyped.Hostile' })
class HostileV1 {
  @Field(() => [[Inner]]) list: Inner[][] | null = null;
  @Field(() => Inner) inner: Inner | null = null;
  @Dyn(() => Shape) shape: Shape | null = null;
  @Field(() => [Money]) money: Money[] | null = null;
}

const hostileGiven: Record<string, unknown> = {};
const hold =
  (name: string) =>
  (v: unknown): string => {
    hostileGiven[name] = v;
    return name;
  };

@Pagable({ name: 'untyped.Hostile' })
class HostileV2 {
  @Field({ migrate: hold('list') }) list!: string;
  @Field({ migrate: hold('inner') }) inner!: string;
  @Field({ migrate: hold('shape') }) shape!: string;
  @Field({ migrate: hold('money') }) money!: string;
}

describe('untyped reader: rewritten blobs', () => {
  let s: InMemoryPagableStorage;
  let setKey: DataKey;
  /** Class indices in the template's schema set. */
  const index: Record<string, number> = {};
  before(async () => {
    s = new InMemoryPagableStorage();
    const blob = await s.fetchData(
      await s.save(Object.assign(new HostileV1(), { inner: Object.assign(new Inner(), { a: 1, b: [] }), shape: Circle.of(1) })),
    );
    setKey = blob.arcs.at(-1)!;
    const tree = unpackr.unpack(blob.data.subarray(1)) as unknown[][];
    index['Circle'] = (tree[2]![1] as number) - 16;
  });
  after(() => s.close());

  const put = async (list: unknown, inner: unknown, shape: unknown, money: unknown): Promise<DataKey> =>
    await s.storeData(dataBlob([list, inner, shape, money], [setKey]));
  const refused = async (fields: unknown[], code: PagableErrorCode, message: string): Promise<void> => {
    const key = await put(fields[0] ?? null, fields[1] ?? null, fields[2] ?? null, fields[3] ?? null);
    const e = await expectError(s.load(HostileV2, key), code);
    expect(e.message).to.equal(`blob ${key}: ${message}`);
  };

  it('gives nested arrays, instances and codec values side by side past the nesting limit, nulls as null', async () => {
    const n = 1005;
    const money = [C1, 8, 'test.codec.money', [[C1, 4, '1'], 2]];
    await s.load(
      HostileV2,
      await put(
        Array.from({ length: n }, (_, i) =>
          i === 0 ? null : i === 1 ? [[C1, 8, 'test.codec.money', [[C1, 4, '3'], 0]]] : [[i, []], null],
        ),
        [1, ['x']],
        null,
        Array.from({ length: n }, () => money),
      ),
    );
    const list = hostileGiven['list'] as unknown[];
    expect(list).to.have.length(n);
    expect(list[0]).to.equal(null);
    expect(list[n - 1]).to.deep.equal([{ a: n - 1, b: [] }, null]);
    const inner = hostileGiven['inner'] as object;
    expect(Object.getOwnPropertyDescriptor(inner, 'b')).to.deep.equal({
      value: ['x'],
      writable: true,
      enumerable: true,
      configurable: true,
    });
    // An instance written as a codec's value: that value.
    expect(list[1]).to.deep.equal([new Money(3n, 0)]);
    expect(hostileGiven['money']).to.have.length(n);
    expect((hostileGiven['money'] as Money[])[n - 1]).to.deep.equal(new Money(1n, 2));
  });

  it('refuses what the stored type cannot be, naming the class and field', async () => {
    // The list is refused for a String right after its header: what follows is read for migrate
    // alone, so each element below reaches the untyped reader's own checks.
    const inList = (element: unknown): unknown[] => [[element]];
    const cases: Array<[unknown[], PagableErrorCode, string]> = [
      [inList(5), 'CORRUPT', 'untyped.Hostile.list: expected an array'],
      [inList([C1, 2]), 'CORRUPT', 'untyped.Hostile.list: expected an array'],
      [inList([5]), 'CORRUPT', 'untyped.Hostile.list: expected an instance'],
      [inList([[]]), 'CORRUPT', 'a untyped.Inner of 0 values where its schema has 2'],
      [inList([[1]]), 'CORRUPT', 'a untyped.Inner of 1 values where its schema has 2'],
      [inList([[C1, 16 + 99]]), 'CORRUPT', 'class index 99 is not in its schema set'],
      [inList([[C1, 0, 'cat']]), 'CORRUPT', 'untyped.Hostile.list: expected an instance'],
      [inList([[C1, 8, 'test.codec.money']]), 'CORRUPT', 'untyped.Hostile.list: expected an instance'],
      [inList([[C1, 'x']]), 'CORRUPT', 'expected an escape kind'],
      [inList([[C1, 8, 5, 1]]), 'CORRUPT', 'expected a codec name'],
      [[null, 5], 'CORRUPT', 'untyped.Hostile.inner: expected an instance'],
      [[null, null, [1]], 'CORRUPT', 'untyped.Hostile.shape: expected a polymorphic value'],
      [[null, null, null, [[C1, 8, 5, 1]]], 'CORRUPT', 'expected a codec name'],
    ];
    for (const [fields, code, message] of cases) await refused(fields, code, message);
    const key = await put(null, null, null, [[C1, 8, 'test.codec.money', 5]]);
    const e = await expectError(s.load(HostileV2, key), 'TYPE_MISMATCH');
    const want = `blob ${key}: untyped.Hostile.money: codec "test.codec.money" (Money) could not decode the stored number`;
    expect(e.message.startsWith(want), e.message).to.equal(true);
  });

  it('a tagged class is given as itself, by its index', async () => {
    await s.load(HostileV2, await put(null, null, [C1, 16 + index['Circle']!, 5], null));
    expect(hostileGiven['shape']).to.deep.equal(Circle.of(5));
  });
});
