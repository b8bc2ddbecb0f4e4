import { expect } from 'chai';
import { Type } from 'class-transformer';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readerFor, fastReader } from '../../src/codec/class-readers.js';
import { cachedSchemaSet } from '../../src/codec/schema-cache.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';
import {
  type Class,
  type DataKey,
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  PagableError,
  type PagableStorage,
  Shared,
} from '../../src/index.js';
import { SCHEMALESS_BLOBS, SCHEMALESS_ROOTS } from '../fixtures/schemaless-blobs.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Dep, Kitchen, Module, Package, Square } from '../support/models.js';
import { runNode } from '../support/node-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/*
 * A stored graph keeps loading after its classes change (docs/design.md §4.3): fields matched by
 * name or alias, added ones undefined, removed ones skipped, order irrelevant, and a stored value
 * that cannot be the declared type is TYPE_MISMATCH. Never a value in the wrong field.
 *
 * Two versions of an untagged class can live in one process (two classes of one name); two
 * versions of a tagged class cannot (the tag names one class), so those run one process per
 * version, as real upgrades do (test/fixtures/evolve-v1.ts, evolve-v2.ts).
 */

const BACKENDS: Array<[string, () => Promise<{ s: PagableStorage; done: () => Promise<void> }>]> = [
  [
    'memory',
    async () => {
      const s = new InMemoryPagableStorage();
      return { s, done: () => s.close() };
    },
  ],
  [
    'LMDB',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pagable-evolve-'));
      const s = await LmdbPagableStorage.open(dir);
      return {
        s,
        done: async () => {
          await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

/** The fields of `v` as a plain record (own enumerable properties). */
function fieldsOf(v: object): Record<string, unknown> {
  return { ...v };
}

@Pagable()
class Leaf {
  @Field() v!: number;
  static of(v: number): Leaf {
    return Object.assign(new Leaf(), { v });
  }
}

for (const [backend, open] of BACKENDS) {
  describe(`schema evolution (${backend})`, () => {
    let s: PagableStorage;
    let done: () => Promise<void>;
    beforeEach(async () => ({ s, done } = await open()));
    afterEach(() => done());

    it('a field added in the middle comes back undefined (afterPageIn may fill it); the others stay in their fields', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Book {
          @Field() title!: string;
          @Field() pages!: number;
        }
        key = await s.save(Object.assign(new Book(), { title: 'Dune', pages: 412 }));
      }
      @Pagable()
      class Book {
        @Field() title!: string;
        @Field() author!: string;
        @Field() pages!: number;
        afterPageIn(): void {
          this.author ??= 'unknown';
        }
      }
      const back = await s.load(Book, key);
      expect(back).to.be.instanceOf(Book);
      expect(fieldsOf(back)).to.deep.equal({ title: 'Dune', author: 'unknown', pages: 412 });
    });

    it('swapped fields load into their own names', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Book {
          @Field() title!: string;
          @Field() pages!: number;
        }
        key = await s.save(Object.assign(new Book(), { title: 'Dune', pages: 412 }));
      }
      @Pagable()
      class Book {
        @Field() pages!: number;
        @Field() title!: string;
      }
      expect(fieldsOf(await s.load(Book, key))).to.deep.equal({ pages: 412, title: 'Dune' });
    });

    it('a removed field is skipped, child blobs included: later arc fields keep their own children', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Holder {
          @Shared(() => Leaf) gone!: Leaf;
          @Field() note!: string;
          @Shared(() => [Leaf]) many!: Leaf[];
          @Shared(() => Leaf) kept!: Leaf;
        }
        key = await s.save(Object.assign(new Holder(), { gone: Leaf.of(1), note: 'n', many: [Leaf.of(2), Leaf.of(3)], kept: Leaf.of(4) }));
      }
      @Pagable()
      class Holder {
        @Shared(() => Leaf) kept!: Leaf;
        @Field() note!: string;
      }
      const back = await s.load(Holder, key);
      expect(back.kept).to.be.instanceOf(Leaf);
      expect(back.kept.v).to.equal(4);
      expect(fieldsOf(back)).to.have.keys('kept', 'note');
    });

    it('a field renamed with aliases keeps its value: @Field, @Shared, @Lazy and @Dyn', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Shelf {
          @Field() label!: string;
          @Shared(() => Leaf) first!: Leaf;
          @Lazy(() => Leaf) later!: PagableArc<Leaf>;
          @Dyn(() => Object) shape!: object;
        }
        key = await s.save(
          Object.assign(new Shelf(), { label: 'x', first: Leaf.of(1), later: PagableArc.new(Leaf.of(2), s), shape: Circle.of(3) }),
        );
      }
      @Pagable()
      class Shelf {
        @Field({ aliases: ['label'] }) title!: string;
        @Shared(() => Leaf, { aliases: ['first'] }) head!: Leaf;
        @Lazy(() => Leaf, { aliases: ['gone', 'later'] }) tail!: PagableArc<Leaf>;
        @Dyn({ aliases: ['shape'] }) figure!: object;
      }
      const back = await s.load(Shelf, key);
      expect(back.title).to.equal('x');
      expect(back.head.v).to.equal(1);
      expect(back.tail.isPagedOut).to.equal(true);
      expect((await back.tail.pin()).value.v).to.equal(2);
      expect(back.figure).to.be.instanceOf(Circle);
      expect(fieldsOf(back)).to.have.keys('title', 'head', 'tail', 'figure');
    });

    it('a stored value that cannot be the declared type is TYPE_MISMATCH naming class, field, stored and declared types', async () => {
      const keys: DataKey[] = [];
      {
        @Pagable()
        class Rec {
          @Field() n!: string;
          @Field(() => Leaf) leaf!: Leaf;
          @Field() plain!: number;
          @Shared(() => Leaf) shared!: Leaf;
        }
        keys.push(await s.save(Object.assign(new Rec(), { n: 'Dune', leaf: Leaf.of(1), plain: 1, shared: Leaf.of(2) })));
        keys.push(await s.save(Object.assign(new Rec(), { n: null, leaf: undefined, plain: undefined, shared: undefined })));
      }
      {
        @Pagable()
        class Rec {
          @Field() n!: number;
        }
        const e = await expectError(s.load(Rec, keys[0]!), 'TYPE_MISMATCH');
        expect(e.message).to.contain('Rec.n').and.contain('stored string').and.contain('declared Number');
        // Nullish values fit every declared type.
        expect((await s.load(Rec, keys[1]!)).n).to.equal(null);
      }
      {
        @Pagable()
        class Rec {
          @Field() leaf!: number;
        }
        const e = await expectError(s.load(Rec, keys[0]!), 'TYPE_MISMATCH');
        expect(e.message).to.contain('Rec.leaf').and.contain('Leaf').and.contain('declared Number');
      }
      {
        @Pagable()
        class Rec {
          @Field(() => Leaf) plain!: Leaf;
        }
        const e = await expectError(s.load(Rec, keys[0]!), 'TYPE_MISMATCH');
        expect(e.message).to.contain('Rec.plain').and.contain('stored number').and.contain('declared Leaf');
      }
      {
        @Pagable()
        class Rec {
          @Field(() => Leaf) shared!: Leaf;
        }
        const e = await expectError(s.load(Rec, keys[0]!), 'TYPE_MISMATCH');
        expect(e.message).to.contain('Rec.shared').and.contain('stored shared Leaf').and.contain('declared Leaf');
      }
      {
        @Pagable()
        class Rec {
          @Shared(() => Leaf) leaf!: Leaf;
        }
        const e = await expectError(s.load(Rec, keys[0]!), 'TYPE_MISMATCH');
        expect(e.message).to.contain('Rec.leaf').and.contain('declared shared Leaf');
      }
    });

    it('@Shared and @Lazy read each other: the stored child key serves either', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Node {
          @Shared(() => Leaf) a!: Leaf;
          @Lazy(() => Leaf) b!: PagableArc<Leaf>;
        }
        key = await s.save(Object.assign(new Node(), { a: Leaf.of(1), b: PagableArc.new(Leaf.of(2), s) }));
      }
      @Pagable()
      class Node {
        @Lazy(() => Leaf) a!: PagableArc<Leaf>;
        @Shared(() => Leaf) b!: Leaf;
      }
      const back = await s.load(Node, key);
      expect((await back.a.pin()).value.v).to.equal(1);
      expect(back.b).to.be.instanceOf(Leaf);
      expect(back.b.v).to.equal(2);
    });

    it('nested untagged classes evolve too, inline and in arrays; plain data widens', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Part {
          @Field() name!: string;
          @Field() qty!: number;
        }
        @Pagable()
        class Order {
          @Field(() => Part) main!: Part;
          @Field(() => [Part]) parts!: Part[];
          @Field() count!: number;
        }
        const part = (name: string, qty: number): Part => Object.assign(new Part(), { name, qty });
        key = await s.save(Object.assign(new Order(), { main: part('a', 1), parts: [part('b', 2), part('c', 3)], count: 7 }));
      }
      @Pagable()
      class Part {
        @Field() qty!: number;
        @Field() color!: string;
        @Field({ aliases: ['name'] }) label!: string;
      }
      @Pagable()
      class Order {
        @Field() count!: unknown;
        @Field(() => [Part]) parts!: Part[];
        @Field(() => Part) main!: Part;
      }
      const back = await s.load(Order, key);
      expect(back.main).to.be.instanceOf(Part);
      expect(fieldsOf(back.main)).to.deep.equal({ qty: 1, color: undefined, label: 'a' });
      expect(back.parts.map(fieldsOf)).to.deep.equal([
        { qty: 2, color: undefined, label: 'b' },
        { qty: 3, color: undefined, label: 'c' },
      ]);
      expect(back.count).to.equal(7);
    });

    it('load(WrongClass, key) is TYPE_MISMATCH, not CORRUPT', async () => {
      const circle = await s.save(Circle.of(1));
      const e = await expectError(s.load(Module, circle), 'TYPE_MISMATCH');
      expect(e.message).to.contain('Circle').and.contain('Module').and.contain(circle);
      await expectError(s.load(Dep, circle), 'TYPE_MISMATCH');
      const dep = await s.save(Dep.of('d'));
      const e2 = await expectError(s.load(Leaf, dep), 'TYPE_MISMATCH');
      expect(e2.message).to.contain('Dep').and.contain('Leaf').and.contain('no field in common');
      await expectError(s.load(Leaf, await s.save({ plain: true })), 'TYPE_MISMATCH');
    });

    it('class-transformer layouts evolve the same way, their trailing record of other properties kept', async () => {
      let key: DataKey;
      {
        @Pagable()
        class Addr {
          street!: string;
        }
        @Pagable()
        class Person {
          id!: number;
          @Type(() => Addr) home!: Addr;
        }
        const p = Object.assign(new Person(), { id: 1, home: Object.assign(new Addr(), { street: 'Main' }), nick: 'bob' });
        key = await s.save(p);
      }
      @Pagable()
      class Addr {
        street!: string;
        zip!: string;
      }
      @Pagable()
      class Person {
        @Type(() => Addr) home!: Addr;
        id!: number;
      }
      const back = await s.load(Person, key);
      expect(back.id).to.equal(1);
      expect(back.home).to.be.instanceOf(Addr);
      expect(back.home.street).to.equal('Main');
      expect((back as unknown as { nick: string }).nick).to.equal('bob');
    });
  });
}

describe('schema evolution: reading', () => {
  it('when writer and reader agree, the class is read by position with its fast reader (no name matching)', async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new Kitchen(), { s: 'x', circles: [], anyShape: Square.of(1) }));
    const blob = await s.fetchData(key);
    const set = cachedSchemaSet(blob.arcs[blob.arcs.length - 1]!)!;
    const meta = getClassMeta(Kitchen)!;
    expect(readerFor(set, 0, meta, { where: 'test' })).to.equal(fastReader(meta));
  });

  it('loads schemaless blobs (written before schemas) exactly as before: positional against the reader class', async () => {
    const s = new InMemoryPagableStorage();
    for (const [key, hex, arcs] of SCHEMALESS_BLOBS)
      expect(await s.storeData({ data: Buffer.from(hex, 'hex'), arcs: [...arcs] })).to.equal(key);
    const circle = await s.load(Circle, SCHEMALESS_ROOTS.circle);
    expect(circle).to.be.instanceOf(Circle);
    expect(circle.r).to.equal(2.5);
    const dep = await s.load(Dep, SCHEMALESS_ROOTS.dep);
    expect(dep.name).to.equal('a');
    expect(dep.deps[0]!.name).to.equal('b');
    const mod = await s.load(Module, SCHEMALESS_ROOTS.module);
    expect(mod.icon).to.be.instanceOf(Square);
    expect(mod.imports[0]!.name).to.equal('d');
    const k = await s.load(Kitchen, SCHEMALESS_ROOTS.kitchen);
    expect(k.s).to.equal('héllo');
    expect(Object.is(k.n, -0)).to.equal(true);
    expect(k.big).to.equal(2n ** 100n);
    expect([...k.map]).to.deep.equal([
      ['a', 1],
      [2, 'two'],
    ]);
    expect(k.list).to.deep.equal([1, NaN, Infinity, 12n]);
    expect(k.anyShape).to.be.instanceOf(Square);
    const plain = (await s.load(Object, SCHEMALESS_ROOTS.plain)) as { a: unknown[]; m: Map<string, Circle> };
    expect(plain.a).to.deep.equal([1, 'x']);
    expect(plain.m.get('k')).to.be.instanceOf(Circle);
    const pkg = await s.load(Package, SCHEMALESS_ROOTS.pkg);
    expect(pkg.main!.name).to.equal('main');
    expect((await pkg.entry!.pin()).value.path).to.equal('e.ts');
    // Saved again, they are written in the new format, with their schema.
    const again = await s.save(pkg);
    expect(again).to.not.equal(SCHEMALESS_ROOTS.pkg);
    expect((await s.fetchData(again)).data[0]).to.equal(0xc1);
  });

  it("a schemaless blob holding another kind than a field's built-in type is TYPE_MISMATCH, as a new one is", async () => {
    const s = new InMemoryPagableStorage();
    // A Module whose `path` (declared string) holds an array: found by the fuzzer.
    const key = await s.storeData({ data: Buffer.from('9193a9703533372d62617365a5302e312e3090', 'hex'), arcs: [] });
    const e = await expectError(s.load(Module, key), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Module.path').and.contain('array');
  });

  it('a data blob whose schema key names no schema is CORRUPT naming both keys', async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(Dep.of('x'));
    const blob = await s.fetchData(key);
    const notSchema = await s.save(Dep.of('y'));
    const forged = await s.storeData({ data: blob.data, arcs: [notSchema] });
    const e = await expectError(s.load(Dep, forged), 'CORRUPT');
    expect(e.message).to.contain(forged).and.contain(notSchema);
  });
});

describe('schema evolution: two versions of tagged classes, one process each (as real upgrades)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-evolve-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const backend of ['lmdb', 'memory']) {
    it(`version 2 reads what version 1 saved (${backend})`, async () => {
      const path = join(dir, backend);
      const v1 = join(FIXTURES, 'evolve-v1.js');
      const v2 = join(FIXTURES, 'evolve-v2.js');
      const keys = JSON.parse(await runNode([v1, backend, path])) as { library: string; cover: string };
      const got = JSON.parse(await runNode([v2, backend, path, keys.library, keys.cover])) as Record<string, unknown>;
      const book = (title: string, pageCount: number): unknown => ({
        keys: ['pageCount', 'title', 'isbn', 'author'],
        title,
        pageCount,
        isbn: 'n/a',
        author: { name: 'Frank Herbert', born: undefined },
        isBook: true,
      });
      // JSON drops undefined members.
      expect(got['name']).to.equal('home');
      expect(got['books']).to.deep.equal(JSON.parse(JSON.stringify([book('Dune', 412), book('Dune Messiah', 256)])));
      expect(got['featured']).to.deep.equal(JSON.parse(JSON.stringify(book('Children of Dune', 444))));
      expect(got['sameAuthor']).to.equal(true);
      const cover = got['cover'] as { code: string; message: string };
      expect(cover.code).to.equal('TYPE_MISMATCH');
      expect(cover.message).to.contain('Cover.color').and.contain('stored string').and.contain('declared Number').and.contain(keys.cover);
    });
  }
});

describe('schema evolution: hostile schema blobs', () => {
  it('a damaged schema set or class schema yields a value or a PagableError, never another exception', async () => {
    const s = new InMemoryPagableStorage();
    const seeds: DataKey[] = [];
    for (const v of [
      Module.of('m', 3, [Dep.of('d')], Circle.of(2)),
      Object.assign(new Kitchen(), { s: 'k', circles: [Circle.of(1)], anyShape: Square.of(3), list: [Square.of(1)] }),
    ]) {
      seeds.push(await s.save(v));
    }
    const targets = [Module, Kitchen, Object, Dep] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...seeds),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.constantFrom(...targets),
        async (seed, which, at, byte, truncate, cls) => {
          const blob = await s.fetchData(seed);
          const setKey = blob.arcs[blob.arcs.length - 1]!;
          const set = await s.fetchData(setKey);
          // Damage the set itself (which = 0) or one of its class schemas.
          const victim = which % (set.arcs.length + 1);
          const damage = (d: Uint8Array): Uint8Array => {
            const c = new Uint8Array(d);
            const i = at % Math.max(1, c.length);
            if (truncate) return c.subarray(0, i);
            c[i] = byte;
            return c;
          };
          let setArcs = set.arcs;
          let setData = set.data;
          if (victim === 0) setData = damage(set.data);
          else {
            const k = set.arcs[victim - 1]!;
            const cb = await s.fetchData(k);
            const bad = await s.storeData({ data: damage(cb.data), arcs: cb.arcs });
            setArcs = set.arcs.map((x, i) => (i === victim - 1 ? bad : x));
          }
          const badSet = await s.storeData({ data: setData, arcs: setArcs });
          const badData = await s.storeData({ data: blob.data, arcs: [...blob.arcs.slice(0, -1), badSet] });
          try {
            await s.load(cls as typeof Module, badData);
          } catch (e) {
            expect(e, String(e)).to.be.instanceOf(PagableError);
          }
          expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
        },
      ),
      { numRuns: Number(process.env['PAGABLE_FUZZ'] ?? 1500) },
    );
  });
});

// ---- property: a random schema, a random edit, a random graph ------------------------------------

type Kind = 'S' | 'N' | 'B' | 'SA' | 'L' | 'SH' | 'A';
const KINDS: readonly Kind[] = ['S', 'N', 'B', 'SA', 'L', 'SH', 'A'];

interface GenField {
  name: string;
  kind: Kind;
  aliases?: string[];
}

/** A class named Gen with `fields`, built at run time as the decorators would. */
function makeClass(fields: readonly GenField[]): Class {
  const C = class Gen {};
  for (const f of fields) {
    const o = f.aliases === undefined ? undefined : { aliases: f.aliases };
    const p = C.prototype as object;
    switch (f.kind) {
      case 'S':
        Field(() => String, o)(p, f.name);
        break;
      case 'N':
        Field(() => Number, o)(p, f.name);
        break;
      case 'B':
        Field(() => Boolean, o)(p, f.name);
        break;
      case 'SA':
        Field(() => [String], o)(p, f.name);
        break;
      case 'L':
        Field(() => Leaf, o)(p, f.name);
        break;
      case 'SH':
        Shared(() => Leaf, o)(p, f.name);
        break;
      case 'A':
        Field(o)(p, f.name);
        break;
    }
  }
  Pagable()(C);
  return C;
}

function valueOf(kind: Kind): fc.Arbitrary<unknown> {
  const v = ((): fc.Arbitrary<unknown> => {
    switch (kind) {
      case 'S':
        return fc.string({ maxLength: 5 });
      case 'N':
        return fc.integer();
      case 'B':
        return fc.boolean();
      case 'SA':
        return fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 });
      case 'L':
      case 'SH':
        return fc.integer().map((n) => Leaf.of(n));
      case 'A':
        return fc.oneof(
          fc.string({ maxLength: 3 }),
          fc.integer(),
          fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 2 })), { maxLength: 3 }),
          fc.constant({ x: 1 }),
        );
    }
  })();
  return fc.oneof({ arbitrary: v, weight: 5 }, { arbitrary: fc.constantFrom(null, undefined), weight: 1 });
}

/** What a value written as `from` is when read as `to`: itself, or a mismatch. */
function fits(v: unknown, from: Kind, to: Kind): boolean {
  if (v === null || v === undefined || from === to) return true;
  if (from === 'L' || from === 'SH' || to === 'L' || to === 'SH') return false;
  switch (to) {
    case 'A':
      return true;
    case 'S':
      return typeof v === 'string';
    case 'N':
      return typeof v === 'number';
    case 'B':
      return typeof v === 'boolean';
    case 'SA':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

type Edit =
  | { op: 'add'; at: number; kind: Kind }
  | { op: 'remove'; at: number }
  | { op: 'reorder'; order: number[] }
  | { op: 'rename'; at: number }
  | { op: 'retype'; at: number; kind: Kind };

const schemaEditGraph = fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 6 }).chain((kinds) => {
  const fields: GenField[] = kinds.map((kind, i) => ({ name: `f${i}`, kind }));
  const n = fields.length;
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ op: fc.constant('add' as const), at: fc.nat(n), kind: fc.constantFrom(...KINDS) }),
    fc.record({ op: fc.constant('remove' as const), at: fc.nat(n - 1) }),
    fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }).map((order) => ({ op: 'reorder' as const, order })),
    fc.record({ op: fc.constant('rename' as const), at: fc.nat(n - 1) }),
    fc.record({ op: fc.constant('retype' as const), at: fc.nat(n - 1), kind: fc.constantFrom(...KINDS) }),
  );
  return fc.tuple(fc.constant(fields), edit, fc.tuple(...fields.map((f) => valueOf(f.kind))));
});

/** The reader's fields after `edit`, each with the writer field it reads from (by name or alias). */
function applyEdit(fields: readonly GenField[], edit: Edit): Array<{ field: GenField; from: GenField | undefined }> {
  const out = fields.map((f) => ({ field: { ...f }, from: f as GenField | undefined }));
  switch (edit.op) {
    case 'add':
      out.splice(edit.at, 0, { field: { name: 'added', kind: edit.kind }, from: undefined });
      break;
    case 'remove':
      out.splice(edit.at, 1);
      break;
    case 'reorder':
      return edit.order.map((i) => out[i]!);
    case 'rename':
      out[edit.at]!.field = { name: `renamed${edit.at}`, kind: out[edit.at]!.field.kind, aliases: [out[edit.at]!.field.name] };
      break;
    case 'retype':
      out[edit.at]!.field.kind = edit.kind;
      break;
  }
  return out;
}

function project(v: unknown): unknown {
  return v instanceof Leaf ? { leaf: v.v } : v;
}

describe('schema evolution: property', () => {
  it('load gives the resolved value or TYPE_MISMATCH, never a misplaced value (random schema, edit and graph)', async () => {
    const s = new InMemoryPagableStorage();
    await fc.assert(
      fc.asyncProperty(schemaEditGraph, async ([fields, edit, values]) => {
        const V1 = makeClass(fields);
        const v = new (V1 as new () => Record<string, unknown>)();
        fields.forEach((f, i) => {
          v[f.name] = values[i];
        });
        const key = await s.save(v);
        const plan = applyEdit(fields, edit);
        const V2 = makeClass(plan.map((p) => p.field));
        const mismatch = plan.some((p) => p.from !== undefined && !fits(values[fields.indexOf(p.from)], p.from.kind, p.field.kind));
        let back: Record<string, unknown>;
        try {
          back = (await s.load(V2, key)) as Record<string, unknown>;
        } catch (e) {
          expect(mismatch, String(e)).to.equal(true);
          expect((e as { code?: string }).code, String(e)).to.equal('TYPE_MISMATCH');
          return;
        }
        expect(mismatch).to.equal(false);
        expect(back).to.be.instanceOf(V2);
        const want: Record<string, unknown> = {};
        for (const p of plan) want[p.field.name] = p.from === undefined ? undefined : project(values[fields.indexOf(p.from)]);
        const got: Record<string, unknown> = {};
        for (const p of plan) got[p.field.name] = project(back[p.field.name]);
        expect(got).to.deep.equal(want);
        expect(Object.keys(back).sort()).to.deep.equal(plan.map((p) => p.field.name).sort());
      }),
      { numRuns: Number(process.env['PAGABLE_FUZZ'] ?? 400) },
    );
  });
});
