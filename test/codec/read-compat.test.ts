import { Type } from 'class-transformer';
import { expect } from 'chai';
import { readVerdict } from '../../src/codec/read-compat.js';
import type { TypeDesc } from '../../src/codec/schema-parser.js';
import type { SchemaSet } from '../../src/codec/schema-set.js';
import { storedClasses } from '../../src/cli/schemas.js';
import { checkVersion } from '../../src/cli/class-check.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';
import { ANY, type Schema } from '../../src/metadata/schema.js';
import {
  type Class,
  type DataKey,
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  PagableError,
  type PagableData,
  type PagableStorage,
  Shared,
  TypeTag,
} from '../../src/index.js';
import { CAT_ONLY, Cat, Dog, PET_DISCRIMINATOR } from '../support/ct-models.js';
import { Money, epochCodec } from '../support/codec-models.js';
import { Circle, Leaf, Shape, Square } from '../support/models.js';

/*
 * `pagable check` tells, before any blob is read, what loading a stored field into today's
 * declared type will do (read-compat.ts: reads, values, mismatch, unknown tag). Its verdicts are
 * exact (the table below, stored type by declared type) and agree with what loading the stored
 * blobs does: "reads" loads every stored value, "mismatch" refuses every one with TYPE_MISMATCH,
 * "unknown tag" with UNKNOWN_TAG, and stored values of which some load and some do not are
 * "values". ("values" where every sample loads alike is a verdict the two types alone cannot
 * sharpen: plain data read as a class, say.)
 */

/** Another untagged class: no field in common with Leaf. */
@Pagable({ name: 'RcOther' })
class Other {
  @Field() w!: string;
  static of(w: string): Other {
    return Object.assign(new Other(), { w });
  }
}

/** An untagged class of no fields: any untagged class is read as a version of it. */
@Pagable({ name: 'RcEmpty' })
class Empty {}

/** A subclass of Circle with a tag of its own: an instance of the declared class for a Circle field. */
@TypeTag('test.rc.BigCircle')
@Pagable()
class BigCircle extends Circle {}

/** A discriminator listing BigCircle (a tagged class) only. */
const BIG_ONLY = { discriminator: { property: '__type', subTypes: [{ value: BigCircle, name: 'big' }] } };

type Declare = (p: object, name: string) => void;

/** A field type: how it is declared, and non-null values of it to store. */
interface Kind {
  readonly declare: Declare;
  readonly samples: (s: PagableStorage) => unknown[];
}

const KINDS: Record<string, Kind> = {
  String: { declare: (p, n) => Field(() => String)(p, n), samples: () => ['a'] },
  Number: { declare: (p, n) => Field(() => Number)(p, n), samples: () => [1.5] },
  Date: { declare: (p, n) => Field(() => Date)(p, n), samples: () => [new Date(0)] },
  Symbol: { declare: (p, n) => Field(() => Symbol as unknown as Class)(p, n), samples: () => ['a', 2] },
  plain: { declare: (p, n) => Field(() => Object)(p, n), samples: () => ['a', 1.5, new Date(0), ['a'], Circle.of(1), Money.of('1.5')] },
  Array: { declare: (p, n) => Field(() => Array)(p, n), samples: () => [[1, 'a'], ['b']] },
  '[String]': { declare: (p, n) => Field(() => [String])(p, n), samples: () => [['a']] },
  '[Number]': { declare: (p, n) => Field(() => [Number])(p, n), samples: () => [[1]] },
  '[Leaf]': { declare: (p, n) => Field(() => [Leaf])(p, n), samples: () => [[Leaf.of(1)]] },
  Leaf: { declare: (p, n) => Field(() => Leaf)(p, n), samples: () => [Leaf.of(1)] },
  Other: { declare: (p, n) => Field(() => Other)(p, n), samples: () => [Other.of('o')] },
  Empty: { declare: (p, n) => Field(() => Empty)(p, n), samples: () => [new Empty()] },
  Circle: { declare: (p, n) => Field(() => Circle)(p, n), samples: () => [Circle.of(1), Object.assign(new BigCircle(), { r: 2 })] },
  BigCircle: { declare: (p, n) => Field(() => BigCircle)(p, n), samples: () => [Object.assign(new BigCircle(), { r: 3 })] },
  Square: { declare: (p, n) => Field(() => Square)(p, n), samples: () => [Square.of(1)] },
  Shape: { declare: (p, n) => Field(() => Shape)(p, n), samples: () => [Circle.of(1), Square.of(2)] },
  'dyn Shape': { declare: (p, n) => Dyn(() => Shape)(p, n), samples: () => [Circle.of(1), Square.of(2)] },
  'dyn Circle': { declare: (p, n) => Dyn(() => Circle)(p, n), samples: () => [Circle.of(1)] },
  'dyn BigCircle': { declare: (p, n) => Dyn(() => BigCircle)(p, n), samples: () => [Object.assign(new BigCircle(), { r: 3 })] },
  dyn: { declare: (p, n) => Dyn()(p, n), samples: () => [Circle.of(1), Square.of(2)] },
  Money: { declare: (p, n) => Field(() => Money)(p, n), samples: () => [Money.of('1.5')] },
  epoch: { declare: (p, n) => Field(() => Date, { codec: epochCodec })(p, n), samples: () => [new Date(0)] },
  pets: { declare: (p, n) => Type(() => Object, PET_DISCRIMINATOR)(p, n), samples: () => [new Cat(), new Dog()] },
  cats: { declare: (p, n) => Type(() => Object, CAT_ONLY)(p, n), samples: () => [new Cat()] },
  circles: { declare: (p, n) => Type(() => Object, BIG_ONLY)(p, n), samples: () => [Object.assign(new BigCircle(), { r: 3 })] },
  shared: { declare: (p, n) => Shared(() => Leaf)(p, n), samples: () => [Leaf.of(1)] },
  lazy: { declare: (p, n) => Lazy(() => Leaf)(p, n), samples: (s) => [PagableArc.new(Leaf.of(1), s)] },
};

/**
 * The verdict for a field stored as the row's type read as the column's: R reads, V values, M
 * mismatch, U unknown tag. Columns in the order of the rows (of KINDS).
 */
// prettier-ignore
const VERDICTS: Record<string, string> = {
  String:          'R M M R R M M M M M M M M M M M M M M M M M M M M M M',
  Number:          'M R M R R M M M M M M M M M M M M M M M M M M M M M M',
  Date:            'M M R R R M M M M M M M M M M M M M M M M R M M M M M',
  Symbol:          'V V V R R V V V V V V V V V V V V V V V V V V V V M M',
  plain:           'V V V R R V V V V V V V V V V V V V V V V V V V V M M',
  Array:           'M M M R R R V V V M M M M M M M M M M M M M M M M M M',
  '[String]':      'M M M M R R R M M M M M M M M M M M M M M M M M M M M',
  '[Number]':      'M M M M R R M R M M M M M M M M M M M M M M M M M M M',
  '[Leaf]':        'M M M M M M M M R M M M M M M M M M M M M M M M M M M',
  Leaf:            'M M M M M M M M M R M M M M M M M M M M M M M M M M M',
  Other:           'M M M M M M M M M M R M M M M M M M M M M M M M M M M',
  Empty:           'M M M M M M M M M R R R R R R M M M M M M M M M M M M',
  Circle:          'M M M M R M M M M M M M R V M R R R V R M M M M V M M',
  BigCircle:       'M M M M R M M M M M M M R R M R R R R R M M M M R M M',
  Square:          'M M M M R M M M M M M M M M R R R M M R M M M M M M M',
  Shape:           'M M M M R M M M M V V V V V V R R V V R M M V V V M M',
  'dyn Shape':     'M M M M R M M M M V V V V V V R R V V R M M V V V M M',
  'dyn Circle':    'M M M M R M M M M V V V R V V V V R V R M M V V V M M',
  'dyn BigCircle': 'M M M M R M M M M V V V V R V V V V R R M M V V V M M',
  dyn:             'M M M M R M M M M V V V V V V V V V V R M M V V V M M',
  Money:           'M M M R R M M M M M M M M M M M M M M M R M M M M M M',
  epoch:           'U U U U U U U U U U U U U U U U U U U U U R U U U U U',
  pets:            'V V V V V V M M M V V V V V V V V V V V V V V V V M M',
  cats:            'V V V V V V M M M V V V V V V V V V V V V V V V V M M',
  circles:         'V V V V V V M M M V V V V V V V V V V V V V V V V M M',
  shared:          'M M M M M M M M M M M M M M M M M M M M M M M M M R R',
  lazy:            'M M M M M M M M M M M M M M M M M M M M M M M M M R R',
};

const LETTER = { reads: 'R', values: 'V', mismatch: 'M', 'unknown tag': 'U' } as const;

/** A class named RC whose field `x` is of `kind`. */
function holder(kind: Kind): Class {
  const C = class RC {};
  kind.declare(C.prototype, 'x');
  Pagable({ name: 'RC' })(C);
  return C;
}

/** What loading one stored value into the declared class did: R loaded, else the error's code. */
async function outcome(load: () => Promise<unknown>): Promise<string> {
  try {
    await load();
    return 'R';
  } catch (e) {
    if (!(e instanceof PagableError)) throw e;
    return e.code === 'TYPE_MISMATCH' ? 'M' : e.code === 'UNKNOWN_TAG' ? 'U' : e.code;
  }
}

describe('codec: read verdicts of `pagable check` (stored type read as declared type)', () => {
  const names = Object.keys(KINDS);
  const readers = new Map(names.map((n) => [n, holder(KINDS[n]!)]));

  it('the table has a row per stored type and a column per declared type', () => {
    expect(Object.keys(VERDICTS)).to.deep.equal(names);
    for (const n of names) expect(VERDICTS[n]!.split(' '), n).to.have.length(names.length);
  });

  for (const stored of names) {
    it(`stored ${stored}: each verdict as the table says, and as loading the stored values does`, async () => {
      const s = new InMemoryPagableStorage();
      const V1 = holder(KINDS[stored]!);
      const keys: DataKey[] = [];
      for (const x of KINDS[stored]!.samples(s)) keys.push(await s.save(Object.assign(new (V1 as new () => object)(), { x })));
      const blobs = new Map<DataKey, PagableData>();
      for await (const k of s.keys()) blobs.set(k, await s.fetchData(k));
      const classes = await storedClasses(
        (async function* () {
          yield* blobs.keys();
        })(),
        (k) => blobs.get(k),
      );
      const rc = classes.find((c) => c.name === 'RC')!;
      const want = VERDICTS[stored]!.split(' ');
      const got: string[] = [];
      const loaded: string[] = [];
      for (const declared of names) {
        const V2 = readers.get(declared)!;
        const v = checkVersion(rc.key, rc.source!.cls, rc.source!.set, getClassMeta(V2)!);
        const m = v.mismatches.find((f) => f.field === 'x');
        const verdict = m === undefined ? 'R' : LETTER[m.verdict];
        got.push(verdict);
        const outcomes = new Set<string>();
        for (const k of keys) outcomes.add(await outcome(() => s.load(V2, k)));
        const seen = outcomes.size > 1 ? 'V' : [...outcomes][0]!;
        loaded.push(seen);
        // A verdict that claims more than "values" is what every stored value does.
        if (verdict !== 'V' && !process.env['PAGABLE_PRINT_VERDICTS'])
          expect(seen, `${stored} read as ${declared}: verdict ${verdict}, loading gave ${[...outcomes]}`).to.equal(verdict);
        // Stored values that load differently are always "values".
        if (seen === 'V' && !process.env['PAGABLE_PRINT_VERDICTS'])
          expect(verdict, `${stored} read as ${declared}: loading gave ${[...outcomes]}`).to.equal('V');
        expect(v.fails, `${stored} read as ${declared}`).to.equal(verdict === 'M' || verdict === 'U');
      }
      if (process.env['PAGABLE_PRINT_VERDICTS'])
        console.log(`  ${JSON.stringify(stored)}: '${got.join(' ')}', // loaded: ${loaded.join(' ')}`);
      expect(got.join(' '), `verdicts of stored ${stored} by declared type (${names.join(', ')})`).to.equal(want.join(' '));
      await s.close();
    });
  }
});

/** A schema set of one class entry, as a parsed set gives it (only what readVerdict reads). */
function setOf(entry: { tag?: string; name: string; fields?: Array<{ name: string }> }): SchemaSet {
  return { classes: [{ fields: [], ...entry }] } as unknown as SchemaSet;
}

describe('codec: read verdicts for what no loaded class can write', () => {
  const leaf: Schema = { k: 'class', cls: Leaf, meta: getClassMeta(Leaf) };

  it('a stored tag no loaded class holds is "unknown tag" naming it', () => {
    expect(readVerdict({ t: 'class', index: 0 }, leaf, setOf({ tag: 'gone.Tag', name: 'Gone' }))).to.deep.equal({
      t: 'unknown tag',
      tag: 'gone.Tag',
    });
  });

  it('a class reference past the end of its set reads nothing', () => {
    expect(readVerdict({ t: 'class', index: 1 }, ANY, setOf({ name: 'test.Leaf' }))).to.deep.equal({ t: 'mismatch' });
  });

  it('an untagged stored class is read as the declared class by name, or by a field or alias in common', () => {
    const w: TypeDesc = { t: 'class', index: 0 };
    expect(readVerdict(w, leaf, setOf({ name: 'test.Leaf', fields: [{ name: 'zz' }] })).t).to.equal('reads');
    expect(readVerdict(w, leaf, setOf({ name: 'Old', fields: [{ name: 'v' }] })).t).to.equal('reads');
    expect(readVerdict(w, leaf, setOf({ name: 'Old', fields: [] })).t).to.equal('reads');
    expect(readVerdict(w, leaf, setOf({ name: 'Old', fields: [{ name: 'zz' }] })).t).to.equal('mismatch');
    const aliased = {
      ...leaf,
      meta: { ...getClassMeta(Leaf)!, fields: getClassMeta(Leaf)!.fields.map((f) => ({ ...f, aliases: ['old'] })) },
    };
    expect(readVerdict(w, aliased, setOf({ name: 'Old', fields: [{ name: 'old' }] })).t).to.equal('reads');
    // Read where a class without metadata (an abstract base) is declared: only a tag can say which class.
    expect(readVerdict(w, { k: 'class', cls: Shape, meta: undefined }, setOf({ name: 'Shape', fields: [] })).t).to.equal('mismatch');
  });

  it('a stored codec whose name no registered codec has is "unknown tag" naming the codec', () => {
    expect(readVerdict({ t: 'codec', name: 'gone.codec' }, ANY, setOf({ name: 'X' }))).to.deep.equal({
      t: 'unknown tag',
      tag: 'gone.codec',
    });
  });

  it('a stored tag or codec no loaded class has is "unknown tag" also where a @Shared or @Lazy field is declared', () => {
    const shared: Schema = { k: 'shared', root: { k: 'class', cls: Leaf, meta: getClassMeta(Leaf) } };
    expect(readVerdict({ t: 'class', index: 0 }, shared, setOf({ tag: 'gone.Tag', name: 'Gone' }))).to.deep.equal({
      t: 'unknown tag',
      tag: 'gone.Tag',
    });
    expect(readVerdict({ t: 'codec', name: 'gone.codec' }, shared, setOf({ name: 'X' }))).to.deep.equal({
      t: 'unknown tag',
      tag: 'gone.codec',
    });
  });

  it('plain values of a type nothing can be (Symbol, Function) depend on the values; every plain value reads where one is declared', () => {
    for (const native of [Symbol, Function] as unknown as Class[]) {
      expect(readVerdict({ t: 'plain', native: native.name }, { k: 'any', native: String }, setOf({ name: 'X' })).t, native.name).to.equal(
        'values',
      );
      expect(readVerdict({ t: 'plain', native: 'String' }, { k: 'any', native }, setOf({ name: 'X' })).t, native.name).to.equal('reads');
    }
  });
});
