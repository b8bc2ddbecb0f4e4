/*
 * What `save` refuses where a class is declared (src/codec/instance-checks.ts), before anything is
 * stored: the error names class and field, what was declared and what was found, so a user can
 * find the value without a debugger.
 */
import { expect } from 'chai';
import { Dyn, Field, InMemoryPagableStorage, Pagable } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Shape } from '../support/models.js';

@Pagable()
class Plain {
  @Field() n!: number;
}

/** Decorated, but without a @TypeTag: it cannot stand where its base class is declared. */
@Pagable()
class Triangle extends Shape {
  @Field() side!: number;
  area(): number {
    return this.side * this.side;
  }
}

/** Not decorated at all. */
class Hexagon extends Shape {
  area(): number {
    return 1;
  }
}

@Pagable()
class Holder {
  @Field(() => Circle) circle!: Circle | null;
  @Field(() => Shape) shape!: Shape | null;
  @Dyn() any!: unknown;
}

@Pagable()
class Texts {
  @Field() label!: string;
  @Field() count!: number;
}

const holder = (fields: Partial<Holder>): Holder => Object.assign(new Holder(), { circle: null, shape: null, any: null }, fields);

async function refused(value: object, code: 'TYPE_MISMATCH' | 'NOT_PAGABLE'): Promise<string> {
  const s = new InMemoryPagableStorage();
  const e = await expectError(s.save(value), code);
  expect(s.stats().blobs, 'nothing was stored').to.equal(0);
  return e.message;
}

describe('instance checks: what save refuses where a class is declared', () => {
  it('a class field holding a string, a number or an array: TYPE_MISMATCH naming the field, the class and what it holds', async () => {
    for (const [v, found] of [
      ['circle', 'string'],
      [7, 'number'],
      [[Circle.of(1)], 'Array'],
    ] as const) {
      const m = await refused(holder({ circle: v as unknown as Circle }), 'TYPE_MISMATCH');
      expect(m).to.match(new RegExp(`^Holder\\.circle: expected an instance of Circle, got .*${found}`, 'i'));
    }
  });

  it('a class field holding an instance of an unrelated class: TYPE_MISMATCH naming both classes', async () => {
    const m = await refused(holder({ circle: Object.assign(new Plain(), { n: 1 }) as unknown as Circle }), 'TYPE_MISMATCH');
    expect(m).to.equal('Holder.circle: expected an instance of Circle, got Plain');
  });

  it('a subclass that is not decorated: NOT_PAGABLE naming the field and the class', async () => {
    const m = await refused(holder({ shape: new Hexagon() }), 'NOT_PAGABLE');
    expect(m).to.equal('Holder.shape: class Hexagon is not decorated with @Pagable()');
  });

  it('a decorated subclass without a @TypeTag where its base is declared: TYPE_MISMATCH saying what it needs', async () => {
    const m = await refused(holder({ shape: Object.assign(new Triangle(), { side: 2 }) }), 'TYPE_MISMATCH');
    expect(m).to.equal('Holder.shape: a Triangle where Shape is declared needs a @TypeTag on Triangle, so that it comes back as Triangle');
    // The tagged subclass is what is declared for: it round trips as itself.
    const s = new InMemoryPagableStorage();
    const back = await s.load(Holder, await s.save(holder({ shape: Circle.of(3) })));
    expect(back.shape).to.be.instanceOf(Circle).and.deep.equal(Circle.of(3));
  });

  it('an undecorated or an untagged instance in a @Dyn field: refused, naming the field', async () => {
    expect(await refused(holder({ any: new Hexagon() }), 'NOT_PAGABLE')).to.equal(
      'Holder.any: class Hexagon is not decorated with @Pagable()',
    );
    const m = await refused(holder({ any: Object.assign(new Plain(), { n: 1 }) }), 'TYPE_MISMATCH');
    expect(m).to.contain('Holder.any').and.contain('Plain');
  });

  it('a root that is not an instance of a decorated class is refused, naming its class', async () => {
    expect(await refused(new Hexagon(), 'NOT_PAGABLE')).to.contain('class Hexagon is not decorated with @Pagable()');
  });

  it('a built-in field holding the wrong kind shows the value: strings cut at 40 characters, numbers and booleans as they are', async () => {
    const forty = 'x'.repeat(40);
    const cases: Array<[Partial<Texts>, string]> = [
      [
        { count: forty as unknown as number },
        `Texts.count: declared Number, holds a string "${forty}", which would not read back as a Number`,
      ],
      [
        { count: `${forty}y` as unknown as number },
        `Texts.count: declared Number, holds a string "${forty}…", which would not read back as a Number`,
      ],
      [{ label: 12 as unknown as string }, 'Texts.label: declared String, holds a number 12, which would not read back as a String'],
      [{ label: false as unknown as string }, 'Texts.label: declared String, holds a boolean false, which would not read back as a String'],
      [{ label: new Map() as unknown as string }, 'Texts.label: declared String, holds a Map, which would not read back as a String'],
    ];
    for (const [fields, message] of cases) {
      expect(await refused(Object.assign(new Texts(), { label: 'a', count: 1 }, fields), 'TYPE_MISMATCH')).to.equal(message);
    }
  });
});
