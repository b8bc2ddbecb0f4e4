import { Type } from 'class-transformer';
import { expect } from 'chai';
import { type DataKey, Dyn, Field, InMemoryPagableStorage, Pagable, type PagableStorage, PagableError } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Cat, Dog, PET_DISCRIMINATOR, type Pet } from '../support/ct-models.js';
import { Circle, Shape, Square } from '../support/models.js';
import { Money } from '../support/codec-models.js';

/*
 * A field holds only what it declares after a page-in, whatever the blob says: a stored value of
 * another kind is TYPE_MISMATCH naming the class, the field, what was stored and what is declared.
 * Reached when a class changed between save and load (schema evolution: the writer stored plain
 * data, or another class, where the reader now declares something else), as a hostile blob would.
 * Two versions of an untagged class live in one process as two classes of one name.
 */

/** One value of each kind plain data can hold, by the name a TYPE_MISMATCH gives its kind. */
const VALUES: ReadonlyArray<readonly [string, () => unknown]> = [
  ['string', () => 'text'],
  ['number', () => 1.5],
  ['boolean', () => true],
  ['bigint', () => 12345678901234567890n],
  ['Date', () => new Date(86_400_000)],
  ['Uint8Array', () => Uint8Array.of(1, 2, 3)],
  ['Map', () => new Map([['a', 1]])],
  ['Set', () => new Set([1, 2])],
  ['array', () => [1, 'two']],
  ['object', () => ({ a: 1 })],
];

/** Each built-in type a field can declare, and the stored kinds that fit it. */
const DECLARED: ReadonlyArray<readonly [string, () => unknown, readonly string[]]> = [
  ['String', () => String, ['string']],
  ['Number', () => Number, ['number']],
  ['Boolean', () => Boolean, ['boolean']],
  ['BigInt', () => BigInt, ['bigint']],
  ['Date', () => Date, ['Date']],
  ['Uint8Array', () => Uint8Array, ['Uint8Array']],
  ['Map', () => Map, ['Map']],
  ['Set', () => Set, ['Set']],
  ['Array', () => Array, ['array']],
  ['Object', () => Object, VALUES.map(([k]) => k)],
  // What design:type says for a `symbol` or a function-typed field: nothing stored can be one, so anything fits.
  ['Symbol', () => Symbol, VALUES.map(([k]) => k)],
  ['Function', () => Function, VALUES.map(([k]) => k)],
];

/** Written with the field as plain data: every kind is accepted. */
@Pagable({ name: 'Slot' })
class SlotV1 {
  @Field() v!: unknown;
  @Field() n!: number;
}

/** A reader version of Slot declaring `v` as `native` (by `() => X`, as without design:type). */
function slotDeclaring(native: () => unknown): new () => { v: unknown; n: number } {
  @Pagable({ name: 'Slot' })
  class Slot {
    @Field(native as () => new () => unknown) v!: unknown;
    @Field() n!: number;
  }
  return Slot;
}

/** Holders of a polymorphic value, written one way and read another. */
@Pagable({ name: 'Den' })
class DenV1 {
  @Field(() => Shape) asBase!: Shape | undefined;
  @Dyn(() => Shape) asDyn!: Shape | undefined;
  @Field() asPlain!: unknown;
}

/** A class-transformer model (its decorators only): the pet is written with its discriminator name. */
@Pagable({ name: 'Pen' })
class PenV1 {
  @Type(() => Object, PET_DISCRIMINATOR) pet!: Pet | undefined;
}

function canonical(v: unknown): unknown {
  if (v instanceof Map) return { map: [...v] };
  if (v instanceof Set) return { set: [...v] };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (v instanceof Date) return { date: v.getTime() };
  return v;
}

describe('read-side kind checks under schema evolution', () => {
  let s: PagableStorage;
  const stored = new Map<string, DataKey>();

  before(async () => {
    s = new InMemoryPagableStorage();
    for (const [kind, make] of VALUES) stored.set(kind, await s.save(Object.assign(new SlotV1(), { v: make(), n: 7 })));
    stored.set('null', await s.save(Object.assign(new SlotV1(), { v: null, n: 7 })));
    stored.set('numbers', await s.save(Object.assign(new SlotV1(), { v: [1, null, 2, undefined], n: 7 })));
  });

  after(() => s.close());

  for (const [declared, native, fits] of DECLARED) {
    it(`a field declared ${declared} loads ${fits.length === VALUES.length ? 'every kind' : fits.join(', ')} and null; any other kind is TYPE_MISMATCH`, async () => {
      const Slot = slotDeclaring(native);
      for (const [kind, make] of VALUES) {
        const key = stored.get(kind)!;
        if (fits.includes(kind)) {
          const back = await s.load(Slot, key);
          expect(canonical(back.v), kind).to.deep.equal(canonical(make()));
          expect(back.n).to.equal(7);
        } else {
          const e = await expectError(s.load(Slot, key), 'TYPE_MISMATCH');
          expect(e.message, kind)
            .to.contain('Slot.v')
            .and.contain(`stored ${kind}`)
            .and.contain(`declared ${declared === 'Object' ? 'plain data' : declared}`);
        }
      }
      expect((await s.load(Slot, stored.get('null')!)).v).to.equal(null);
    });
  }

  it('stored plain data read into a typed array loads when every element fits (nullish ones included), else TYPE_MISMATCH', async () => {
    const Slot = slotDeclaring(() => [Number]);
    expect((await s.load(Slot, stored.get('numbers')!)).v).to.deep.equal([1, null, 2, undefined]);
    for (const kind of ['array', 'string', 'object', 'Map']) {
      const e = await expectError(s.load(Slot, stored.get(kind)!), 'TYPE_MISMATCH');
      expect(e.message, kind).to.contain('Slot.v').and.contain('declared Number[]');
    }
  });

  it('stored plain data that is not a tagged instance does not load into a @Dyn field', async () => {
    for (const dyn of [Dyn(), Dyn(() => Shape)]) {
      @Pagable({ name: 'Slot' })
      class Slot {
        v!: unknown;
      }
      dyn(Slot.prototype, 'v');
      for (const [kind] of VALUES) {
        const e = await expectError(s.load(Slot, stored.get(kind)!), 'TYPE_MISMATCH');
        expect(e.message, kind).to.contain('Slot.v').and.contain(`stored ${kind}`);
      }
    }
  });

  describe('instances: class, dyn and discriminated fields read another way than written', () => {
    let den: DataKey;
    let emptyDen: DataKey;
    let pen: DataKey;
    let emptyPen: DataKey;

    before(async () => {
      const circle = Object.assign(new Circle(), { r: 2 });
      den = await s.save(Object.assign(new DenV1(), { asBase: circle, asDyn: circle, asPlain: circle }));
      emptyDen = await s.save(Object.assign(new DenV1(), { asBase: undefined, asDyn: undefined, asPlain: null }));
      pen = await s.save(Object.assign(new PenV1(), { pet: Object.assign(new Dog(), { name: 'Rex' }) }));
      emptyPen = await s.save(Object.assign(new PenV1(), { pet: undefined }));
    });

    /** Loads `key` as class `name` with one field, declared by `decorate`: its value, or the PagableError. */
    async function readAs(name: string, key: DataKey, field: string, decorate: PropertyDecorator): Promise<unknown> {
      @Pagable({ name })
      class Reader {}
      decorate(Reader.prototype, field);
      try {
        return ((await s.load(Reader, key)) as Record<string, unknown>)[field];
      } catch (e) {
        if (e instanceof PagableError) return e;
        throw e;
      }
    }

    const mismatch = (v: unknown, ...parts: string[]): void => {
      expect(v).to.be.instanceOf(PagableError);
      const e = v as PagableError;
      expect(e.code).to.equal('TYPE_MISMATCH');
      for (const p of parts) expect(e.message).to.contain(p);
    };

    /** The Dog named Rex that `pen` holds, as it should load. */
    const isRex = (v: unknown): void => {
      expect(v).to.be.instanceOf(Dog);
      expect((v as Dog).name).to.equal('Rex');
    };

    it('a tagged instance loads into its own class, a base it extends, any @Dyn it fits and plain data', async () => {
      for (const field of ['asBase', 'asDyn', 'asPlain']) {
        for (const d of [Field(() => Circle), Field(() => Shape), Dyn(() => Shape), Dyn(), Dyn(() => Circle), Field()]) {
          expect(await readAs('Den', den, field, d), field).to.be.instanceOf(Circle);
        }
      }
    });

    it('a tagged instance where another class, a @Dyn of another base or a built-in type is declared is TYPE_MISMATCH', async () => {
      for (const field of ['asBase', 'asDyn', 'asPlain']) {
        const where = `Den.${field}`;
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Field(() => Square),
          ),
          where,
          'Circle',
          'declared Square',
        );
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Dyn(() => Square),
          ),
          where,
          'Circle',
          'declared dyn Square',
        );
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Field(() => Number),
          ),
          where,
          'Circle',
          'declared Number',
        );
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Field(() => Map),
          ),
          where,
          'Circle',
          'declared Map',
        );
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Type(() => Object, PET_DISCRIMINATOR),
          ),
          where,
          'Circle',
          'declared dog | cat',
        );
      }
    });

    it("a discriminated value loads where its name is among the reader's subtypes; elsewhere it is TYPE_MISMATCH", async () => {
      isRex(
        await readAs(
          'Pen',
          pen,
          'pet',
          Type(() => Object, PET_DISCRIMINATOR),
        ),
      );
      const onlyCats = { discriminator: { property: '__type', subTypes: [{ value: Cat, name: 'cat' }] } };
      mismatch(
        await readAs(
          'Pen',
          pen,
          'pet',
          Type(() => Object, onlyCats),
        ),
        'Pen.pet',
        'Dog',
        'declared cat',
      );
      mismatch(
        await readAs(
          'Pen',
          pen,
          'pet',
          Field(() => Cat),
        ),
        'Pen.pet',
        'Dog',
        'declared Cat',
      );
      mismatch(
        await readAs(
          'Pen',
          pen,
          'pet',
          Field(() => Number),
        ),
        'Pen.pet',
        'Dog',
        'declared Number',
      );
      mismatch(
        await readAs(
          'Pen',
          pen,
          'pet',
          Dyn(() => Shape),
        ),
        'Pen.pet',
        'Dog',
        'declared dyn Shape',
      );
    });

    it('a discriminated value loads by its name into a reader whose subtypes changed; a tagged one into a discriminated field listing its class', async () => {
      const renamed = {
        discriminator: {
          property: '__type',
          subTypes: [
            { value: Dog, name: 'dog' },
            { value: Circle, name: 'round' },
          ],
        },
      };
      isRex(
        await readAs(
          'Pen',
          pen,
          'pet',
          Type(() => Object, renamed),
        ),
      );
      for (const field of ['asBase', 'asDyn', 'asPlain']) {
        const c = await readAs(
          'Den',
          den,
          field,
          Type(() => Object, renamed),
        );
        expect(c, field).to.be.instanceOf(Circle);
        expect((c as Circle).r).to.equal(2);
      }
    });

    it('a tagged instance where an array or a codec class is declared is TYPE_MISMATCH', async () => {
      for (const field of ['asBase', 'asDyn']) {
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Field(() => [Circle]),
          ),
          `Den.${field}`,
          'Circle',
          'declared Circle[]',
        );
        mismatch(
          await readAs(
            'Den',
            den,
            field,
            Field(() => Money),
          ),
          `Den.${field}`,
          'Circle',
        );
      }
    });

    it('nothing stored fits every declared type', async () => {
      for (const d of [Field(() => Square), Dyn(() => Square), Field(() => Number), Type(() => Object, PET_DISCRIMINATOR)]) {
        for (const field of ['asBase', 'asDyn']) expect(await readAs('Den', emptyDen, field, d), field).to.equal(undefined);
        expect(await readAs('Den', emptyDen, 'asPlain', d)).to.equal(null);
        expect(await readAs('Pen', emptyPen, 'pet', d)).to.equal(undefined);
      }
    });
  });
});
