/*
 * FieldOptions.default and FieldOptions.migrate (schema evolution): a field the stored schema
 * lacks takes its default, one value per instance read; a stored value whose kind cannot be the
 * declared type is given to the field's migrate (read by its stored type alone) instead of being
 * TYPE_MISMATCH, and what migrate returns is checked like any read value. Two versions of an
 * untagged class live in one process here (two classes of one @Pagable name).
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, PagableError, Shared } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Money } from '../support/codec-models.js';
import { Circle } from '../support/models.js';

/** Saves `v` and loads it back as `cls` (another version of its class). */
async function reread<T>(v: object, cls: new () => T): Promise<T> {
  const s = new InMemoryPagableStorage();
  try {
    return await s.load(cls, await s.save(v));
  } finally {
    await s.close();
  }
}

describe('FieldOptions.default: fields added since a blob was written', () => {
  @Pagable({ name: 'defaults.Task' })
  class TaskV1 {
    @Field() title!: string;
    @Field() done!: boolean | undefined;
  }
  @Pagable({ name: 'defaults.Task' })
  class TaskV2 {
    @Field() title!: string;
    @Field({ default: () => false }) done!: boolean | undefined;
    @Field({ default: () => [] as string[] }) tags!: string[];
    @Field() owner!: string | undefined;
  }

  it('take their default, a value of its own per instance; fields without one are undefined', async () => {
    const s = new InMemoryPagableStorage();
    const a = await s.load(TaskV2, await s.save(Object.assign(new TaskV1(), { title: 'a', done: true })));
    const b = await s.load(TaskV2, await s.save(Object.assign(new TaskV1(), { title: 'b', done: undefined })));
    expect(a).to.be.instanceOf(TaskV2);
    expect({ ...a }).to.deep.equal({ title: 'a', done: true, tags: [], owner: undefined });
    // Stored (as undefined), so not defaulted: the default is for fields the schema lacks.
    expect(b.done).to.equal(undefined);
    expect(a.tags).to.not.equal(b.tags);
    await s.close();
  });

  it('a default that throws is INVALID_ARGUMENT, one of the wrong kind TYPE_MISMATCH, naming class and field', async () => {
    @Pagable({ name: 'defaults.Task' })
    class Throws {
      @Field() title!: string;
      @Field({
        default: () => {
          throw new RangeError('no default today');
        },
      })
      due!: Date;
    }
    @Pagable({ name: 'defaults.Task' })
    class Wrong {
      @Field() title!: string;
      @Field({ default: () => 'soon' }) due!: Date;
    }
    const e = await expectError(reread(Object.assign(new TaskV1(), { title: 'a' }), Throws), 'INVALID_ARGUMENT');
    expect(e.message).to.contain('defaults.Task.due: its default threw RangeError: no default today');
    expect(e.cause).to.be.instanceOf(RangeError);
    const w = await expectError(reread(Object.assign(new TaskV1(), { title: 'a' }), Wrong), 'TYPE_MISMATCH');
    expect(w.message).to.contain('defaults.Task.due: its default returned string, declared Date');
  });

  it('options are checked where the class is defined: INVALID_ARGUMENT for a default or migrate that is not a function', () => {
    class Bad {}
    expect(() => Field({ default: [] as never })(Bad.prototype, 'x'))
      .to.throw(/Bad.x: default must be a function/)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => Field({ migrate: 1 as never })(Bad.prototype, 'y'))
      .to.throw(/Bad.y: migrate must be a function/)
      .with.property('code', 'INVALID_ARGUMENT');
  });
});

describe('FieldOptions.migrate: stored values of a kind the declared type cannot be', () => {
  @Pagable({ name: 'migrate.Edition' })
  class EditionV1 {
    @Field() year!: string;
    @Field() tags!: string[];
    @Field() price!: string;
    @Field() paid!: Money;
  }
  @Pagable({ name: 'migrate.Edition' })
  class EditionV2 {
    @Field({ migrate: (s) => Number(s) }) year!: number;
    @Field(() => [Number], { migrate: (a) => (a as string[]).map(Number) }) tags!: number[];
    @Field({ migrate: (s) => Money.of(s as string) }) price!: Money;
    @Field({ migrate: (m) => (m as Money).toString() }) paid!: string;
  }
  const v1 = (): EditionV1 => Object.assign(new EditionV1(), { year: '1965', tags: ['1', '2'], price: '12.50', paid: Money.of('3.25') });

  it('converts them, into primitives, arrays, and classes stored through codecs and out of them', async () => {
    const back = await reread(v1(), EditionV2);
    expect(back.year).to.equal(1965);
    expect(back.tags).to.deep.equal([1, 2]);
    expect(back.price).to.be.instanceOf(Money).and.deep.equal(Money.of('12.50'));
    expect(back.paid).to.equal('3.25');
  });

  it('without migrate the same load is TYPE_MISMATCH', async () => {
    @Pagable({ name: 'migrate.Edition' })
    class Plain {
      @Field() year!: number;
    }
    const e = await expectError(reread(v1(), Plain), 'TYPE_MISMATCH');
    expect(e.message).to.contain('migrate.Edition.year: stored string, declared Number');
  });

  it('what migrate returns is checked: TYPE_MISMATCH naming class, field and migrate; a throwing migrate is TYPE_MISMATCH with its cause', async () => {
    @Pagable({ name: 'migrate.Edition' })
    class Lies {
      @Field({ migrate: (s) => s }) year!: number;
    }
    @Pagable({ name: 'migrate.Edition' })
    class Throws {
      @Field({
        migrate: () => {
          throw new TypeError('no idea');
        },
      })
      year!: number;
    }
    const e = await expectError(reread(v1(), Lies), 'TYPE_MISMATCH');
    expect(e.message).to.contain('migrate.Edition.year: its migrate returned string, declared Number');
    const t = await expectError(reread(v1(), Throws), 'TYPE_MISMATCH');
    expect(t.message).to.contain('migrate.Edition.year: its migrate threw TypeError: no idea (given a stored string)');
    expect(t.cause).to.be.instanceOf(TypeError);
  });

  it('gives an instance of a class no longer declared as that class when tagged, as a plain object of its fields when not', async () => {
    @Pagable({ name: 'migrate.Address' })
    class Address {
      @Field() street!: string;
      @Field() city!: string;
    }
    @Pagable({ name: 'migrate.Person' })
    class PersonV1 {
      @Field() address!: Address;
      @Field(() => Circle) badge!: Circle;
    }
    const seen: unknown[] = [];
    @Pagable({ name: 'migrate.Person' })
    class PersonV2 {
      @Field({ migrate: (a) => (seen.push(a), `${(a as Address).street}, ${(a as Address).city}`) }) address!: string;
      @Field({ migrate: (c) => (c as Circle).r }) badge!: number;
    }
    const back = await reread(
      Object.assign(new PersonV1(), {
        address: Object.assign(new Address(), { street: '1 Main St', city: 'Springfield' }),
        badge: Circle.of(2),
      }),
      PersonV2,
    );
    expect(back.address).to.equal('1 Main St, Springfield');
    expect(Object.getPrototypeOf(seen[0])).to.equal(Object.prototype);
    expect(back.badge).to.equal(2);
  });

  it('a @Lazy child comes to migrate as a PagedOut arc; a @Shared child cannot be migrated (TYPE_MISMATCH saying so)', async () => {
    @Pagable({ name: 'migrate.Box' })
    class BoxV1 {
      @Lazy(() => Circle) lazy!: PagableArc<Circle>;
      @Shared(() => Circle) shared!: Circle;
    }
    @Pagable({ name: 'migrate.Box' })
    class LazyOut {
      @Field({ migrate: (a) => ((a as PagableArc<Circle>).isPagedOut ? 'arc' : 'value') }) lazy!: string;
    }
    @Pagable({ name: 'migrate.Box' })
    class SharedOut {
      @Field({ migrate: () => 'x' }) shared!: string;
    }
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new BoxV1(), { lazy: PagableArc.new(Circle.of(1), s), shared: Circle.of(2) }));
    expect((await s.load(LazyOut, key)).lazy).to.equal('arc');
    const e = await expectError(s.load(SharedOut, key), 'TYPE_MISMATCH');
    expect(e.message).to.contain('migrate.Box.shared: a @Shared child is restored after its parent, so it cannot be migrated');
    expect(e).to.be.instanceOf(PagableError);
    await s.close();
  });
});

describe('FieldOptions.default and migrate: nullish and arc values', () => {
  @Pagable({ name: 'nullish.Note' })
  class NoteV1 {
    @Field() text!: string;
  }

  it('a default or migrate returning null or undefined gives the field that value, whatever it declares', async () => {
    for (const nothing of [null, undefined]) {
      @Pagable({ name: 'nullish.Note' })
      class Defaulted {
        @Field() text!: string;
        @Field(() => Date, { default: () => nothing }) due!: Date | null | undefined;
        @Field(() => Circle, { default: () => nothing }) badge!: Circle | null | undefined;
      }
      @Pagable({ name: 'nullish.Note' })
      class Migrated {
        @Field(() => Number, { migrate: () => nothing }) text!: number | null | undefined;
      }
      const d = await reread(Object.assign(new NoteV1(), { text: 'a' }), Defaulted);
      expect([d.text, d.due, d.badge], String(nothing)).to.deep.equal(['a', nothing, nothing]);
      expect((await reread(Object.assign(new NoteV1(), { text: 'a' }), Migrated)).text, String(nothing)).to.equal(nothing);
    }
  });

  it('a @Shared or @Lazy field the stored schema lacks takes its default', async () => {
    const s = new InMemoryPagableStorage();
    @Pagable({ name: 'nullish.Note' })
    class WithArcs {
      @Field() text!: string;
      @Shared(() => Circle, { default: () => Circle.of(3) }) shared!: Circle;
      @Lazy(() => Circle, { default: () => PagableArc.new(Circle.of(4), s) }) lazy!: PagableArc<Circle>;
    }
    const back = await s.load(WithArcs, await s.save(Object.assign(new NoteV1(), { text: 'a' })));
    expect(back.shared).to.be.instanceOf(Circle).and.deep.equal(Circle.of(3));
    const pin = await back.lazy.pin();
    expect(pin.value).to.deep.equal(Circle.of(4));
    pin.release();
    await s.close();
  });
});
