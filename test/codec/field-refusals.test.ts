/*
 * What `save` refuses in a field of each kind that holds what the kind cannot store (src/codec/
 * encoder.ts): an array field without an array, a @Dyn field outside its base or untagged, a
 * @Shared field holding a primitive or an arc, a @Lazy field without an arc, a discriminated
 * field holding a class it does not list. Each names class and field, and nothing is stored.
 */
import { expect } from 'chai';
import { Type } from 'class-transformer';
import { Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, type PagableErrorCode, Shared } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Cat, Dog, type Pet } from '../support/ct-models.js';
import { Circle, Shape, Square } from '../support/models.js';

@Pagable()
class Untagged {
  @Field() n!: number;
}

@Pagable()
class Holder {
  @Field(() => [Number]) list: number[] | null = null;
  @Dyn(() => Shape) shape: unknown = null;
  @Dyn() any: unknown = null;
  @Shared(() => Circle) circle: unknown = null;
  @Shared(() => Shape) shared: unknown = null;
  @Lazy(() => Circle) lazy: unknown = null;
}

@Pagable()
class Pen {
  @Type(() => Object, { discriminator: { property: '__type', subTypes: [{ value: Cat, name: 'cat' }] } }) pet: Pet | null = null;
}

/** A class-transformer model (no field decorators): its fields have no declared type. */
@Pagable()
class Kennel {
  pets: unknown[] = [];
}

@Pagable()
class Bag {
  @Field(() => Object) data: unknown = null;
}

async function refused(fields: Partial<Holder>, code: PagableErrorCode, message: string): Promise<void> {
  const s = new InMemoryPagableStorage();
  const e = await expectError(s.save(Object.assign(new Holder(), fields)), code);
  expect(e.message).to.equal(message);
  expect(s.stats().blobs, 'nothing was stored').to.equal(0);
}

describe('field refusals: save refuses a field holding what its kind cannot store', () => {
  it('an array field holding a Set or a string: TYPE_MISMATCH', async () => {
    await refused({ list: new Set([1]) as unknown as number[] }, 'TYPE_MISMATCH', 'Holder.list: expected an array, got Set');
    await refused({ list: 'abc' as unknown as number[] }, 'TYPE_MISMATCH', 'Holder.list: expected an array, got string');
  });

  it('a @Dyn field outside its base class, or holding an untagged class: TYPE_MISMATCH', async () => {
    await refused(
      { shape: Object.assign(new Untagged(), { n: 1 }) },
      'TYPE_MISMATCH',
      'Holder.shape: expected an instance of Shape, got Untagged',
    );
    await refused(
      { any: Object.assign(new Untagged(), { n: 1 }) },
      'TYPE_MISMATCH',
      'Holder.any: @Dyn values need a @TypeTag; Untagged has none',
    );
  });

  it('a @Shared field holding a primitive, an arc or an unrelated class: TYPE_MISMATCH', async () => {
    await refused({ circle: 5 }, 'TYPE_MISMATCH', 'Holder.circle: a @Shared field holds an object, got number');
    const s = new InMemoryPagableStorage();
    const arc = PagableArc.new(Circle.of(1), s);
    await refused({ circle: arc }, 'TYPE_MISMATCH', 'Holder.circle: holds a PagableArc; declare the field with @Lazy');
    await refused({ shared: arc }, 'TYPE_MISMATCH', 'Holder.shared: holds a PagableArc; declare the field with @Lazy');
    await refused({ circle: Square.of(2) }, 'TYPE_MISMATCH', 'Holder.circle: expected an instance of Circle, got Square');
  });

  it('a @Shared field holding its class or a tagged subclass round trips, one object stored once', async () => {
    const s = new InMemoryPagableStorage();
    const c = Circle.of(4);
    const back = await s.load(Holder, await s.save(Object.assign(new Holder(), { circle: c, shared: c })));
    expect(back.circle).to.be.instanceOf(Circle).and.deep.equal(c);
    expect(back.shared).to.equal(back.circle);
    const sq = await s.load(Holder, await s.save(Object.assign(new Holder(), { shared: Square.of(3) })));
    expect(sq.shared).to.be.instanceOf(Square).and.deep.equal(Square.of(3));
  });

  it('a @Lazy field holding the object itself rather than an arc: TYPE_MISMATCH', async () => {
    await refused({ lazy: Circle.of(1) }, 'TYPE_MISMATCH', 'Holder.lazy: a @Lazy field holds a PagableArc, got Circle');
    await refused({ lazy: 'x' }, 'TYPE_MISMATCH', 'Holder.lazy: a @Lazy field holds a PagableArc, got string');
  });

  it('a discriminated field holding a class its discriminator does not list: TYPE_MISMATCH listing the subtypes', async () => {
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.save(Object.assign(new Pen(), { pet: Object.assign(new Dog(), { name: 'rex' }) })), 'TYPE_MISMATCH');
    expect(e.message).to.equal("Pen.pet: a Dog is not one of the discriminator's subtypes (cat)");
    const circle = await expectError(s.save(Object.assign(new Pen(), { pet: Circle.of(1) })), 'TYPE_MISMATCH');
    expect(circle.message).to.equal("Pen.pet: a Circle is not one of the discriminator's subtypes (cat)");
    expect(s.stats().blobs, 'nothing was stored').to.equal(0);
    const back = await s.load(Pen, await s.save(Object.assign(new Pen(), { pet: Object.assign(new Cat(), { name: 'tom' }) })));
    expect(back.pet).to.be.instanceOf(Cat).and.deep.include({ name: 'tom', lives: 9 });
  });

  it('untyped data holding an untagged instance or an arc: TYPE_MISMATCH saying how to declare it; a tagged one round trips', async () => {
    const s = new InMemoryPagableStorage();
    const cases: Array<[object, string]> = [
      [
        Object.assign(new Bag(), { data: { x: [new Untagged()] } }),
        "Bag.data: a Untagged inside untyped data needs a @TypeTag on Untagged, or declare the field's type, e.g. @Field(() => [Untagged])",
      ],
      [
        Object.assign(new Bag(), { data: [PagableArc.new(Circle.of(1), s)] }),
        'Bag.data: a PagableArc inside plain data cannot be stored; declare the field with @Lazy(() => X)',
      ],
    ];
    for (const [value, message] of cases) {
      const e = await expectError(s.save(value), 'TYPE_MISMATCH');
      expect(e.message).to.equal(message);
    }
    expect(s.stats().blobs).to.equal(0);
    // A tagged instance inside untyped data is stored with its tag and comes back as itself.
    const back = await s.load(Kennel, await s.save(Object.assign(new Kennel(), { pets: [Circle.of(2)] })));
    expect(back.pets[0]).to.be.instanceOf(Circle).and.deep.equal(Circle.of(2));
  });
});
