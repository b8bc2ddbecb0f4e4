/*
 * What a field's `migrate` is given when the stored value's kind cannot be the declared type
 * (src/codec/untyped-reader.ts): the value read by its stored type alone. Plain data as itself, a
 * loaded tagged class as that class, an untagged one as a plain object of its stored fields, a
 * codec'd value through its codec, arrays element by element, at any depth.
 */
import { expect } from 'chai';
import { Dyn, Field, InMemoryPagableStorage, Pagable } from '../../src/index.js';
import { Money, Point } from '../support/codec-models.js';
import { Circle, Shape, Square } from '../support/models.js';

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
