import { Type } from 'class-transformer';
import { expect } from 'chai';
import { fastReader, readerFor } from '../../src/codec/class-readers.js';
import { cachedSchemaSet } from '../../src/codec/schema-cache.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';
import { type Class, type DataKey, Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, Shared, TypeTag } from '../../src/index.js';
import { CAT_ONLY, Cat, Dog, PET_DISCRIMINATOR } from '../support/ct-models.js';
import { dataBlob } from '../support/hand-blobs.js';
import { Money, epochCodec } from '../support/codec-models.js';
import { Circle, Leaf, Module, Shape } from '../support/models.js';
import { expectError } from '../support/expect-error.js';
import { unpackr } from '../../src/codec/wire.js';

/*
 * A stored class is read with the class's fast reader only when it was written exactly as this
 * process writes the reader class (class-readers.ts `Sameness`): same tag or name, fields, order,
 * kinds and types. Otherwise a resolving reader matches fields by name, and the read is not
 * "exact": re-save without re-work encodes such values again instead of trusting the blob. The
 * oracle here: exact exactly when the reader class, saved, writes the same schema set.
 */

@Pagable({ name: 'CrOther' })
class Other {
  @Field() v!: number;
}

/** A subclass of Leaf, for a class field that holds one. */
@TypeTag('test.cr.Tagged')
@Pagable({ name: 'CrTagged' })
class Tagged {
  @Field() v!: number;
}

@Pagable({ name: 'CrNode' })
class Node {
  @Field(() => Node) next: Node | undefined;
}

/** Another version of CrNode (another class of that name), declared alike. */
@Pagable({ name: 'CrNode' })
class NodeAlike {
  @Field(() => NodeAlike) next: NodeAlike | undefined;
}

const CAT_AS_DOG = {
  discriminator: {
    property: '__type',
    subTypes: [
      { value: Cat, name: 'dog' },
      { value: Dog, name: 'cat' },
    ],
  },
};

type Declare = (p: object, name: string) => void;

/** Field `x` declared each way (the class also has `n: number` first). */
const DECLS: Record<string, Declare> = {
  String: (p, n) => Field(() => String)(p, n),
  Number: (p, n) => Field(() => Number)(p, n),
  plain: (p, n) => Field(() => Object)(p, n),
  '[String]': (p, n) => Field(() => [String])(p, n),
  '[Number]': (p, n) => Field(() => [Number])(p, n),
  '[[String]]': (p, n) => Field(() => [[String]])(p, n),
  Leaf: (p, n) => Field(() => Leaf)(p, n),
  Other: (p, n) => Field(() => Other)(p, n),
  Tagged: (p, n) => Field(() => Tagged)(p, n),
  Node: (p, n) => Field(() => Node)(p, n),
  NodeAlike: (p, n) => Field(() => NodeAlike)(p, n),
  Shape: (p, n) => Field(() => Shape)(p, n),
  'dyn Shape': (p, n) => Dyn(() => Shape)(p, n),
  'dyn Circle': (p, n) => Dyn(() => Circle)(p, n),
  dyn: (p, n) => Dyn()(p, n),
  Money: (p, n) => Field(() => Money)(p, n),
  epoch: (p, n) => Field(() => Date, { codec: epochCodec })(p, n),
  'shared Leaf': (p, n) => Shared(() => Leaf)(p, n),
  'shared Other': (p, n) => Shared(() => Other)(p, n),
  'shared Tagged': (p, n) => Shared(() => Tagged)(p, n),
  'shared String': (p, n) => Shared(() => String)(p, n),
  'shared Money': (p, n) => Shared(() => Money)(p, n),
  'shared Shape': (p, n) => Shared(() => Shape)(p, n),
  'lazy Leaf': (p, n) => Lazy(() => Leaf)(p, n),
};

/** A class named CrT: `n: number`, then `x` declared as `decl`. */
function holder(decl: Declare): Class {
  const C = class CrT {};
  Field(() => Number)(C.prototype, 'n');
  decl(C.prototype, 'x');
  Pagable({ name: 'CrT' })(C);
  return C;
}

/** A class named CrU of class-transformer fields (a discriminated pet, then the record of the rest). */
function ctHolder(options: object): Class {
  const C = class CrU {};
  Type(() => Object, options)(C.prototype, 'pet');
  Pagable({ name: 'CrU' })(C);
  return C;
}

describe('codec: which stored classes read with the fast reader (exactly as written)', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => (s = new InMemoryPagableStorage()));
  afterEach(() => s.close());

  /** The schema set key `cls`'s instances are saved with, and the blob of one. */
  const saved = async (cls: Class): Promise<{ key: DataKey; setKey: DataKey }> => {
    const key = await s.save(new (cls as new () => object)());
    return { key, setKey: (await s.fetchData(key)).arcs.at(-1)! };
  };

  /** Writes an instance of W, reads it as R: whether R's reader is exact, and whether R writes the same set. */
  const compare = async (W: Class, R: Class): Promise<{ exact: boolean; sameSet: boolean }> => {
    const w = await saved(W);
    // Read before R writes anything: a set R writes itself records R as its writer, read exactly.
    const meta = getClassMeta(R)!;
    const reader = readerFor(cachedSchemaSet(w.setKey)!, 0, meta, { where: 'test' });
    expect(reader.exact).to.equal(reader === fastReader(meta));
    const back = await s.load(R, w.key);
    expect(back).to.be.instanceOf(R);
    const r = await saved(R);
    return { exact: reader.exact, sameSet: r.setKey === w.setKey };
  };

  const names = Object.keys(DECLS);

  // Readers are cached per (stored class, reader class): each test declares its classes afresh, so
  // the comparison runs in every test run (as in a new process), not only in the first.
  for (const written of names) {
    it(`written with x: ${written}: exact for a class declared alike, for no other`, async () => {
      const W = holder(DECLS[written]!);
      for (const declared of names) {
        // Another class of the same name and declarations when alike: exact without being the writer.
        const { exact, sameSet } = await compare(W, holder(DECLS[declared]!));
        expect(exact, `${written} read as ${declared}`).to.equal(sameSet);
        // CrNode and its twin CrNode declare the same fields: one class, as stored.
        const alike = declared === written || (written.startsWith('Node') && declared.startsWith('Node'));
        expect(exact, `${written} read as ${declared}`).to.equal(alike);
      }
    });
  }

  it('a class of another name, tag, field order, field name or field count is not read exactly', async () => {
    const W = holder(DECLS['String']!);
    const variants: Array<[string, Class]> = [];
    const make = (name: string, build: (p: object) => void, options?: { name?: string; tag?: string }): void => {
      const C = class CrT {};
      build(C.prototype);
      if (options?.tag !== undefined) TypeTag(options.tag)(C);
      Pagable({ name: options?.name ?? 'CrT' })(C);
      variants.push([name, C]);
    };
    make('renamed class', (p) => (Field(() => Number)(p, 'n'), Field(() => String)(p, 'x')), { name: 'CrT2' });
    make('tagged', (p) => (Field(() => Number)(p, 'n'), Field(() => String)(p, 'x')), { tag: 'test.cr.T' });
    make('swapped', (p) => (Field(() => String)(p, 'x'), Field(() => Number)(p, 'n')));
    make('field renamed', (p) => (Field(() => Number)(p, 'n'), Field(() => String)(p, 'y')));
    make('field added', (p) => (Field(() => Number)(p, 'n'), Field(() => String)(p, 'x'), Field(() => String)(p, 'z')));
    make('field removed', (p) => Field(() => Number)(p, 'n'));
    make('kind changed', (p) => (Field(() => Number)(p, 'n'), Dyn(() => Object)(p, 'x')));
    for (const [what, R] of variants) {
      const w = await saved(W);
      const reader = readerFor(cachedSchemaSet(w.setKey)!, 0, getClassMeta(R)!, { where: 'test' });
      expect(reader.exact, what).to.equal(false);
    }
    // Read back into a tagged class of another name: its fields are matched by name all the same.
    const back = (await s.load(variants[1]![1], await s.save(Object.assign(new (W as new () => object)(), { n: 1, x: 'a' })))) as object;
    expect({ ...back }).to.deep.equal({ n: 1, x: 'a' });
  });

  it('a discriminated field reads exactly only with the same names for the same classes', async () => {
    const pets = ctHolder(PET_DISCRIMINATOR);
    for (const [what, options, exact] of [
      ['alike', PET_DISCRIMINATOR, true],
      ['fewer subtypes', CAT_ONLY, false],
      ['names swapped', CAT_AS_DOG, false],
    ] as const) {
      const { exact: e, sameSet } = await compare(pets, ctHolder(options));
      expect(e, what).to.equal(exact);
      expect(sameSet, what).to.equal(exact);
    }
  });

  it('generated readers check what they read: a @Dyn field its base, an array of codec values each decode, naming the field', async () => {
    // Declared here: a reader is generated once per class, and this runs it in every test run.
    @Pagable({ name: 'CrChecked' })
    class Checked {
      @Dyn(() => Shape) shape: unknown = null;
      @Field(() => [Money]) monies: unknown = null;
      @Field() any: unknown = null;
    }
    const key = await s.save(Object.assign(new Checked(), { shape: Circle.of(1), monies: [Money.of('1')], any: Module.of('m', 1) }));
    const blob = await s.fetchData(key);
    const tree = unpackr.unpack(blob.data.subarray(1)) as unknown[];
    const put = async (root: unknown[]): Promise<DataKey> => await s.storeData(dataBlob(root, blob.arcs));
    const wrongBase = await put([tree[2], null, null]);
    const e1 = await expectError(s.load(Checked, wrongBase), 'TYPE_MISMATCH');
    expect(e1.message).to.equal(`blob ${wrongBase}: found a Module (tag "test.Module") where Shape is expected`);
    const badMoney = await put([null, [5], null]);
    const e2 = await expectError(s.load(Checked, badMoney), 'TYPE_MISMATCH');
    const want = `blob ${badMoney}: CrChecked.monies: codec "test.codec.money" (Money) could not decode the stored number: decode threw`;
    expect(e2.message.startsWith(want), e2.message).to.equal(true);
    expect({ ...(await s.load(Checked, key)) }).to.deep.equal({ shape: Circle.of(1), monies: [Money.of('1')], any: Module.of('m', 1) });
  });

  it('a stored untagged class sharing no field and not the name is TYPE_MISMATCH naming both', async () => {
    const w = await saved(holder(DECLS['String']!));
    @Pagable({ name: 'CrElse' })
    class Else {
      @Field() q!: number;
    }
    expect(() => readerFor(cachedSchemaSet(w.setKey)!, 0, getClassMeta(Else)!, { where: 'here' }))
      .to.throw('here: stored a CrT { n, x }, declared CrElse: no field in common')
      .with.property('code', 'TYPE_MISMATCH');
  });

  it('loads instances of classes whose names cannot name a function (P, reserved words, spaces, a leading digit)', async () => {
    const ctor = async (C: Class): Promise<string> =>
      Object.getPrototypeOf(await s.load(C, await s.save(new (C as new () => object)()))).constructor.name;
    const named = (name: string): Class => {
      const C = { [name]: class {} }[name]!;
      Field(() => Number)(C.prototype, 'n');
      Pagable({ name: `Cr${name.length}${name.replace(/\W/g, '_')}` })(C);
      return C;
    };
    // The instances' prototype is the class's: its constructor is the class itself.
    expect(await ctor(named('Plain'))).to.equal('Plain');
    for (const name of ['P', 'has space', '1digit', 'for', 'class']) {
      const C = named(name);
      const back = await s.load(C, await s.save(Object.assign(new (C as new () => object)(), { n: 2 })));
      expect(back, name).to.be.instanceOf(C);
      expect({ ...(back as object) }, name).to.deep.equal({ n: 2 });
    }
  });
});
