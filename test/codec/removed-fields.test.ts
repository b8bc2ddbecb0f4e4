import { Type } from 'class-transformer';
import { expect } from 'chai';
import { type DataKey, Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../../src/index.js';
import { Dog, PET_DISCRIMINATOR, type Pet } from '../support/ct-models.js';
import { Circle, Shape, Square } from '../support/models.js';

/*
 * A field removed since the blob was written is skipped whatever it held: plain data with escaped
 * values (dates, bigints, maps, sets, bytes, tagged instances inside), inline instances (untagged,
 * tagged, @Dyn, arrays of them, nested), discriminated values and arc fields (their child keys
 * included, so the fields after them still get their own children).
 */

@Pagable({ name: 'RemovedLeaf' })
class Leaf {
  @Field() n!: number;
  @Field() tags!: string[];
}

@Pagable({ name: 'RemovedInner' })
class Inner {
  @Field(() => Leaf) leaf!: Leaf;
  @Field(() => [Shape]) shapes!: Shape[];
}

/** A tagged class holding an arc field: skipping it inline must consume its child key too. */
@TypeTag('test.removed.Crate')
@Pagable()
class Crate extends Shape {
  @Shared(() => Leaf) inside!: Leaf;
  override area(): number {
    return 0;
  }
}

const leaf = (n: number): Leaf => Object.assign(new Leaf(), { n, tags: [`t${n}`] });
const circle = (r: number): Circle => Object.assign(new Circle(), { r });
const square = (side: number): Square => Object.assign(new Square(), { side });

/** Every kind of field, written once; a reader that kept only some of them. */
@Pagable({ name: 'Removed' })
class RemovedV1 {
  @Field() first!: string;
  @Field() plain!: unknown;
  @Field(() => Leaf) inline!: Leaf;
  @Field(() => Inner) nested!: Inner;
  @Field(() => Shape) tagged!: Shape;
  @Field(() => Shape) crate!: Shape;
  @Dyn(() => Shape) dyn!: Shape;
  @Dyn(() => [Shape]) dyns!: Shape[];
  @Field(() => [Leaf]) leaves!: Leaf[];
  @Shared(() => Leaf) shared!: Leaf;
  @Shared(() => [Leaf]) shareds!: Leaf[];
  @Lazy(() => Leaf) lazy!: PagableArc<Leaf>;
  @Field() nothing!: unknown;
  @Field(() => [Inner]) inners!: Inner[];
  @Field() many!: unknown;
  @Shared(() => Leaf) kept!: Leaf;
  @Field() last!: string;
}

@Pagable({ name: 'RemovedPen' })
class PenV1 {
  @Type(() => Object, PET_DISCRIMINATOR) pet!: Pet;
  first!: string;
}

describe('removed fields of every kind are skipped', () => {
  let s: InMemoryPagableStorage;
  let key: DataKey;

  before(async () => {
    s = new InMemoryPagableStorage();
    const v = Object.assign(new RemovedV1(), {
      first: 'a',
      plain: {
        when: new Date(1000),
        big: -(2n ** 70n),
        map: new Map<unknown, unknown>([
          [1, new Set(['x'])],
          ['k', [new Date(2), Uint8Array.of(9)]],
        ]),
        bytes: Uint8Array.of(1, 2, 3),
        shape: circle(7),
        deep: [[[{ n: null, u: undefined, f: 1.5, neg: -0 }]]],
      },
      inline: leaf(1),
      nested: Object.assign(new Inner(), { leaf: leaf(2), shapes: [circle(1), square(2)] }),
      tagged: square(3),
      crate: Object.assign(new Crate(), { inside: leaf(10) }),
      dyn: circle(4),
      dyns: [square(5), circle(6)],
      leaves: [leaf(3), leaf(4)],
      shared: leaf(5),
      shareds: [leaf(6), leaf(7)],
      lazy: PagableArc.new(leaf(8), s),
      nothing: null,
      // Many siblings, each nested: skipping them must not add up to a nesting depth.
      inners: Array.from({ length: 600 }, (_, i) => Object.assign(new Inner(), { leaf: leaf(i), shapes: [circle(i)] })),
      many: Array.from({ length: 600 }, (_, i) => [new Map<number, unknown>([[i, [i, { x: [i] }]]]), new Set([i])]),
      kept: leaf(9),
      last: 'z',
    });
    key = await s.save(v);
  });

  after(() => s.close());

  it('a reader that kept only the first field, an arc field and the last one reads them, child keys lined up', async () => {
    @Pagable({ name: 'Removed' })
    class Removed {
      @Field() first!: string;
      @Shared(() => Leaf) kept!: Leaf;
      @Field() last!: string;
    }
    const back = await s.load(Removed, key);
    expect({ ...back, kept: undefined }).to.deep.equal({ first: 'a', kept: undefined, last: 'z' });
    expect(back.kept).to.be.instanceOf(Leaf);
    expect(back.kept.n).to.equal(9);
    expect(Object.keys(back).sort()).to.deep.equal(['first', 'kept', 'last']);
  });

  it('each field alone is read back as written, whichever others were removed', async () => {
    const cases: Array<[string, PropertyDecorator, (v: unknown) => void]> = [
      ['inline', Field(() => Leaf), (v) => expect((v as Leaf).tags).to.deep.equal(['t1'])],
      ['nested', Field(() => Inner), (v) => expect((v as Inner).shapes.map((x) => x.constructor)).to.deep.equal([Circle, Square])],
      ['tagged', Field(() => Shape), (v) => expect(v).to.be.instanceOf(Square)],
      ['crate', Field(() => Shape), (v) => expect((v as Crate).inside.n).to.equal(10)],
      ['dyns', Dyn(() => [Shape]), (v) => expect((v as Shape[]).map((x) => x.constructor)).to.deep.equal([Square, Circle])],
      ['leaves', Field(() => [Leaf]), (v) => expect((v as Leaf[]).map((x) => x.n)).to.deep.equal([3, 4])],
      ['shareds', Shared(() => [Leaf]), (v) => expect((v as Leaf[]).map((x) => x.n)).to.deep.equal([6, 7])],
      ['kept', Shared(() => Leaf), (v) => expect((v as Leaf).n).to.equal(9)],
      ['inners', Field(() => [Inner]), (v) => expect((v as Inner[])[599]!.leaf.n).to.equal(599)],
      ['many', Field(), (v) => expect((v as unknown[]).length).to.equal(600)],
      ['plain', Field(), (v) => expect((v as { shape: Circle }).shape).to.be.instanceOf(Circle)],
    ];
    for (const [field, decorate, check] of cases) {
      @Pagable({ name: 'Removed' })
      class Removed {}
      decorate(Removed.prototype, field);
      Field()(Removed.prototype, 'last');
      const back = (await s.load(Removed, key)) as unknown as Record<string, unknown>;
      check(back[field]);
      expect(back['last'], field).to.equal('z');
    }
  });

  it('the lazy field after the removed ones still pins its own child', async () => {
    @Pagable({ name: 'Removed' })
    class Removed {
      @Lazy(() => Leaf) lazy!: PagableArc<Leaf>;
      @Field() last!: string;
    }
    const back = await s.load(Removed, key);
    const pin = await back.lazy.pin();
    expect(pin.value.n).to.equal(8);
    pin.release();
  });

  it('a removed discriminated field is skipped', async () => {
    const pen = await s.save(Object.assign(new PenV1(), { pet: Object.assign(new Dog(), { name: 'Rex' }), first: 'p' }));
    // Still a class-transformer model (undecorated properties travel in its trailing record).
    @Pagable({ name: 'RemovedPen' })
    class Pen {
      @Type(() => Date) since!: Date;
      first!: string;
    }
    expect((await s.load(Pen, pen)).first).to.equal('p');
  });
});

/** An untagged class led by a string, holding a child by key. */
@Pagable({ name: 'RemovedHolder' })
class Holder {
  @Field() label!: string;
  @Shared(() => Leaf) leaf!: Leaf;
}

/** A class-transformer subtype (no pagable field decorators) holding, inline, an instance with a child by key. */
@Pagable()
class Kennel {
  name!: string;
  @Type(() => Holder) bed!: Holder;
}

const KENNEL = { discriminator: { property: '__type', subTypes: [{ value: Kennel, name: 'kennel' }] } };

@Pagable({ name: 'RemovedArcs' })
class RemovedArcsV1 {
  @Type(() => Object, KENNEL) pet!: unknown;
  @Field(() => Holder) holder!: Holder;
  @Field(() => [Holder]) holders!: Holder[];
  @Field() plain!: unknown;
  @Shared(() => Leaf) kept!: Leaf;
}

describe('removed instances holding children by key', () => {
  it('a removed discriminated value, inline instance, array of them or plain data holding one gives up its child keys: the next arc field gets its own', async () => {
    const s = new InMemoryPagableStorage();
    const holder = (n: number): Holder => Object.assign(new Holder(), { label: `holder ${n}`, leaf: leaf(n) });
    const key = await s.save(
      Object.assign(new RemovedArcsV1(), {
        pet: Object.assign(new Kennel(), { name: 'Rex', bed: holder(1) }),
        holder: holder(2),
        holders: [holder(3), holder(4)],
        plain: { in: [Object.assign(new Crate(), { inside: leaf(6) })] },
        kept: leaf(5),
      }),
    );
    for (const keep of [['holder', 'holders'], ['holders'], []]) {
      @Pagable({ name: 'RemovedArcs' })
      class Reader {
        @Shared(() => Leaf) kept!: Leaf;
      }
      if (keep.includes('holder')) Field(() => Holder)(Reader.prototype, 'holder');
      if (keep.includes('holders')) Field(() => [Holder])(Reader.prototype, 'holders');
      const back = (await s.load(Reader, key)) as Reader & { holder?: Holder; holders?: Holder[] };
      expect(back.kept.n, keep.join()).to.equal(5);
      if (keep.includes('holder')) expect(back.holder!.leaf.n).to.equal(2);
      if (keep.includes('holders')) expect(back.holders!.map((h) => h.leaf.n)).to.deep.equal([3, 4]);
    }
    await s.close();
  });
});
