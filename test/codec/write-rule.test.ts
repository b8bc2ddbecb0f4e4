/*
 * What the writer accepts, the reader gives back (README "What is accepted is given back"): every
 * check the reader makes (src/codec/wire-rules.ts) is made by `save` first, naming class, field
 * and what was found, and a page-out lists the value in its report's `failed`, its arc left
 * resident. Each case here was accepted by `save` and then failed to load.
 */
import { expect } from 'chai';
import { Type } from 'class-transformer';
import {
  Dyn,
  Field,
  InMemoryPagableStorage,
  type PageOutReport,
  Pagable,
  PagableArc,
  PagableError,
  Lazy,
  Shared,
  TypeTag,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { objectOf } from '../support/plain-values.js';
import { Cat, Dog, Pet } from '../support/ct-models.js';
import { Circle, Dep, Shape } from '../support/models.js';

@Pagable()
class Reading {
  @Field() value!: number;
  @Field() label!: string;
  @Field() ok!: boolean;
  @Field() big!: bigint;
  @Field() at!: Date;
  @Field() bytes!: Uint8Array;
  @Field() shorts!: Int16Array;
  @Field() counts!: Map<string, number>;
  @Field() seen!: Set<string>;
  @Field() list!: string[];
  @Field(() => [Number]) numbers!: number[];
  @Field(() => [[Date]]) dates!: Date[][];
}

/** A Reading whose every field holds a value of its declared kind. */
function reading(): Reading {
  return Object.assign(new Reading(), {
    value: 21.5,
    label: 'x',
    ok: true,
    big: 10n,
    at: new Date(0),
    bytes: new Uint8Array([1]),
    shorts: new Int16Array([1]),
    counts: new Map([['a', 1]]),
    seen: new Set(['a']),
    list: ['a'],
    numbers: [1, -0, NaN],
    dates: [[new Date(1)], []],
  });
}

/** Wrongly typed values, as a user meets them (JSON, loose typing): field, value, kind found, kind declared. */
const WRONG: Array<[keyof Reading, unknown, string, string]> = [
  ['value', '21.5', 'string "21.5"', 'Number'],
  ['label', ['a'], 'array', 'String'],
  ['ok', 1, 'number 1', 'Boolean'],
  ['big', 10, 'number 10', 'BigInt'],
  ['at', '2024-01-01T00:00:00.000Z', 'string', 'Date'],
  ['bytes', [1, 2], 'array', 'Uint8Array'],
  ['bytes', new Int8Array(2), 'Int8Array', 'Uint8Array'],
  ['shorts', new Uint16Array(2), 'Uint16Array', 'Int16Array'],
  ['counts', { a: 1 }, 'object', 'Map'],
  ['seen', ['a'], 'array', 'Set'],
  ['list', new Set(['a']), 'Set', 'Array'],
  ['numbers', [1, '2'], 'string "2"', 'Number'],
  ['dates', [[new Date(0), 5]], 'number 5', 'Date'],
];

describe('write rule: what save accepts, load gives back', () => {
  it('a well-typed value of every built-in kind, nil and undefined included, round trips', async () => {
    const s = new InMemoryPagableStorage();
    const r = reading();
    expect(await s.load(Reading, await s.save(r))).to.deep.equal(r);
    const empty = Object.assign(new Reading(), {
      value: null,
      label: undefined,
      numbers: [null, undefined, 1],
      dates: [null, [undefined]],
    });
    expect(await s.load(Reading, await s.save(empty))).to.deep.equal(empty);
  });

  for (const [field, value, found, declared] of WRONG) {
    it(`save refuses ${declared} field "${field}" holding a ${found.split(' ')[0]}: TYPE_MISMATCH naming class, field and kinds`, async () => {
      const s = new InMemoryPagableStorage();
      const e = await expectError(s.save(Object.assign(reading(), { [field]: value })), 'TYPE_MISMATCH');
      expect(e.message).to.contain(`Reading.${field}`).and.contain(declared).and.contain(found);
      expect(s.stats().blobs, 'nothing was stored').to.equal(0);
    });
  }

  it('a bigint the reader would refuse (over 100,000 decimal characters) is LIMIT on save; one at the limit round trips', async () => {
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.save(Object.assign(reading(), { big: 10n ** 100_000n })), 'LIMIT');
    expect(e.message).to.contain('Reading.big').and.contain('100001 decimal characters');
    // Negative: the sign counts.
    await expectError(s.save({ plain: -(10n ** 99_999n) }), 'LIMIT');
    const atLimit = Object.assign(reading(), { big: 10n ** 99_999n });
    expect((await s.load(Reading, await s.save(atLimit))).big).to.equal(10n ** 99_999n);
  });

  it('bytes longer than msgpack can say are LIMIT on save, not a wrapped length', async () => {
    const s = new InMemoryPagableStorage();
    // A view whose length says 4 GiB (allocating it would take the machine): the writer asks only the length.
    const huge = (n: number, v: ArrayBufferView): ArrayBufferView => Object.defineProperty(v, 'byteLength', { get: () => n });
    const e = await expectError(s.save(Object.assign(reading(), { bytes: huge(2 ** 32, new Uint8Array(1)) })), 'LIMIT');
    expect(e.message).to.contain('Reading.bytes').and.contain('4294967296 bytes');
    await expectError(s.save({ plain: huge(2 ** 32, new Float64Array(1)) }), 'LIMIT');
  });

  it('an instance whose own `constructor` names an unrelated tagged class is refused where a class is declared', async () => {
    @TypeTag('write-rule.Unrelated')
    @Pagable()
    class Unrelated {
      @Field() r!: number;
    }
    @Pagable()
    class Holder {
      @Field(() => Shape) shape!: Shape;
      @Dyn(() => Shape) dyn!: Shape;
    }
    const liar = Object.assign(Circle.of(1), { constructor: Unrelated });
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.save(Object.assign(new Holder(), { shape: liar, dyn: Circle.of(2) })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Holder.shape').and.contain('Unrelated');
    await expectError(s.save(Object.assign(new Holder(), { shape: Circle.of(2), dyn: liar })), 'TYPE_MISMATCH');
  });
});

describe('write rule: nesting counts the same containers on both sides', () => {
  @TypeTag('write-rule.Boxed')
  @Pagable()
  class Boxed {
    @Field() data!: unknown;
  }
  const KINDS: Array<[string, (inner: unknown) => unknown]> = [
    ['array', (x) => [x]],
    ['plain object', (x) => ({ k: x })],
    ['object with a __proto__ key', (x) => objectOf([['__proto__', x]], false)],
    ['null-prototype object', (x) => objectOf([['k', x]], true)],
    ['Map value', (x) => new Map([[1, x]])],
    ['Map key', (x) => new Map([[x, 1]])],
    ['Set', (x) => new Set([x])],
    ['tagged instance', (x) => Object.assign(new Boxed(), { data: x })],
  ];
  for (const [kind, wrap] of KINDS) {
    it(`${kind}: 1,000 levels round trip, 1,001 are LIMIT on save`, async () => {
      const nest = (n: number): Boxed => {
        let v: unknown = 0;
        for (let i = 0; i < n; i++) v = wrap(v);
        return Object.assign(new Boxed(), { data: v });
      };
      const s = new InMemoryPagableStorage();
      // The root instance is a level: it and 999 containers are 1,000.
      const ok = nest(999);
      expect(await s.load(Boxed, await s.save(ok))).to.deep.equal(ok);
      await expectError(s.save(nest(1000)), 'LIMIT');
    });
  }

  @Pagable()
  class Tree {
    @Field() n!: number;
    @Field(() => [Tree]) kids!: Tree[];
  }
  /** A chain of `n` Trees, each holding the next in its `kids` array: 2n - 1 levels (instance, array, ...). */
  const chain = (n: number): Tree => {
    let t: Tree = Object.assign(new Tree(), { n: 0, kids: [] });
    for (let i = 1; i < n; i++) t = Object.assign(new Tree(), { n: i, kids: [t] });
    return t;
  };

  it('an array field is a level: 500 Trees (999 levels) round trip, 501 (1001 levels) are LIMIT on save', async () => {
    const s = new InMemoryPagableStorage();
    const ok = chain(500);
    const back = await s.load(Tree, await s.save(ok));
    let depth = 0;
    for (let t: Tree | undefined = back; t !== undefined; t = t.kids[0]) depth++;
    expect(depth).to.equal(500);
    const e = await expectError(s.save(chain(501)), 'LIMIT');
    expect(e.message).to.contain('Tree').and.contain('1000');
  });
});

describe('write rule: field names', () => {
  it('a field named __proto__ is an own data property on both sides, never the prototype', async () => {
    class Odd {
      n!: number;
    }
    Field()(Odd.prototype, '__proto__');
    Field(() => Number)(Odd.prototype, 'n');
    Pagable()(Odd);
    const own = (o: object): unknown => Object.getOwnPropertyDescriptor(o, '__proto__')?.value;
    const s = new InMemoryPagableStorage();
    const set = Object.defineProperty(Object.assign(new Odd(), { n: 1 }), '__proto__', {
      value: { x: 1 },
      enumerable: true,
      writable: true,
    });
    const back = await s.load(Odd, await s.save(set));
    expect(back).to.be.instanceOf(Odd);
    expect(own(back)).to.deep.equal({ x: 1 });
    // Not set on the instance: undefined, not the prototype it would inherit.
    const unset = await s.load(Odd, await s.save(Object.assign(new Odd(), { n: 2 })));
    expect(unset).to.be.instanceOf(Odd);
    expect(Object.hasOwn(unset, '__proto__')).to.equal(true);
    expect(own(unset)).to.equal(undefined);
  });

  it("a field named constructor is refused where it is declared (it would hide the instance's class)", async () => {
    class Hides {}
    const e = await expectError(() => Field(() => Number)(Hides.prototype, 'constructor'), 'NOT_PAGABLE');
    expect(e.message).to.contain('Hides.constructor');
  });
});

describe('write rule: class schemas the reader would refuse', () => {
  it('a class with more fields than a schema holds (10,000) is LIMIT on save, naming it', async () => {
    // A class-transformer model: its decorators record 10,001 fields faster than pagable's would.
    class Wide {}
    for (let i = 0; i <= 10_000; i++) Type(() => Number)(Wide.prototype, `f${i}`);
    Pagable()(Wide);
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.save(new Wide()), 'LIMIT');
    expect(e.message).to.contain('Wide').and.contain('10001 fields');
  });

  it('a discriminator giving one name to two classes is INVALID_ARGUMENT on save (the name would read back as the other class)', async () => {
    @Pagable()
    class Kennel {
      @Type(() => Pet, {
        discriminator: {
          property: '__type',
          subTypes: [
            { value: Dog, name: 'pet' },
            { value: Cat, name: 'pet' },
          ],
        },
      })
      pet!: Pet;
    }
    const s = new InMemoryPagableStorage();
    const e = await expectError(
      s.save(Object.assign(new Kennel(), { pet: Object.assign(new Dog(), { name: 'rex' }) })),
      'INVALID_ARGUMENT',
    );
    expect(e.message).to.contain('Kennel.pet').and.contain('"pet"');
  });

  it('a class name that is not a string is INVALID_ARGUMENT on save, naming the class', async () => {
    class Named {
      @Field() n!: number;
    }
    Pagable({ name: 42 as unknown as string })(Named);
    const e = await expectError(new InMemoryPagableStorage().save(Object.assign(new Named(), { n: 1 })), 'INVALID_ARGUMENT');
    expect(e.message).to.contain('Named').and.contain('not a string');
  });
});

describe('write rule: a page-out lists what cannot be read back, and the arc keeps it', () => {
  @Pagable()
  class Box {
    @Field() n!: number;
    @Field() extra!: unknown;
    @Lazy(() => Dep) dep!: PagableArc<Dep> | undefined;
    @Shared(() => Dep) shared!: Dep | undefined;
  }

  for (const [what, field, value, code] of [
    ['a string in a Number field', 'n', '21.5', 'TYPE_MISMATCH'],
    ['a bigint of 100,001 digits', 'extra', 10n ** 100_000n, 'LIMIT'],
  ] as const) {
    it(`${what}: ${code} in failed, the arc resident and pinned back unchanged`, async () => {
      const s = new InMemoryPagableStorage();
      const bad = Object.assign(new Box(), { n: 1, dep: undefined, shared: undefined }, { [field]: value });
      const arc = PagableArc.new(bad, s);
      const good = PagableArc.new(Object.assign(new Box(), { n: 1, dep: undefined, shared: undefined }), s);
      arc.unpin();
      good.unpin();
      const report = s.pageOutPending() as PageOutReport;
      expect(report.pagedOut).to.equal(1);
      expect(report.failed).to.have.length(1);
      expect(report.failed[0]).to.be.instanceOf(PagableError);
      expect(report.failed[0]!.code).to.equal(code);
      expect(report.failed[0]!.message).to.contain(`Box.${field}`);
      expect(arc.isPagedOut).to.equal(false);
      expect(good.isPagedOut).to.equal(true);
      const pin = await arc.pin();
      expect(pin.value).to.equal(bad);
      pin.release();
    });
  }

  it('a parent arc whose child arc cannot be written stays resident with it', async () => {
    const s = new InMemoryPagableStorage();
    const dep = Object.assign(Dep.of('d'), { version: 3 });
    const child = PagableArc.new(dep, s);
    const parent = PagableArc.new(Object.assign(new Box(), { n: 1, dep: child, shared: undefined }), s);
    child.unpin();
    parent.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.pagedOut).to.equal(0);
    expect(report.failed.map((e) => e.code)).to.deep.equal(['TYPE_MISMATCH']);
    expect(report.failed[0]!.message).to.contain('Dep.version');
    expect(child.isPagedOut || parent.isPagedOut).to.equal(false);
    expect((await parent.pin()).value.dep).to.equal(child);
    expect((await child.pin()).value).to.equal(dep);
  });
});
