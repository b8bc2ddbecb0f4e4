/*
 * Which object a page-in may hand out for a key (paging/page-in-identity.ts): a tagged blob is one
 * object whatever declared type reached it, an untagged one one object per declared class, and
 * plain data one object that a later load gets only where its built-in type is what is declared
 * (a blob loaded as a Map is not handed out where a Set is declared: that is read and refused).
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Pagable, PagableStorageBase, Shared, TypeTag } from '../../src/index.js';
import { TAGGED, classId, fits, isTagged } from '../../src/paging/page-in-identity.js';
import { ANY, anyOf } from '../../src/metadata/schema.js';
import { rootOf } from '../../src/metadata/class-meta.js';
import { asyncOnlyMemoryStore } from '../support/async-only-store.js';
import { Money, Point } from '../support/codec-models.js';
import { expectError } from '../support/expect-error.js';

abstract class Animal {
  abstract name: string;
}

@TypeTag('page-in-identity.Cat')
@Pagable()
class Cat extends Animal {
  @Field() name = '';
}

@Pagable()
class Plain {
  @Field() n = 0;
}

@Pagable()
class OtherPlain {
  @Field() n = 0;
}

@Pagable()
class MapHolder {
  @Shared(() => Map) m!: Map<string, number>;
}

@Pagable()
class SetHolder {
  @Shared(() => Set) m!: Set<number>;
}

describe('page-in identity', () => {
  it('isTagged: instances of a tagged class only', () => {
    expect(isTagged(Object.assign(new Cat(), { name: 'c' }))).to.equal(true);
    expect(isTagged(new Plain())).to.equal(false);
    for (const v of [null, undefined, 1, 'Cat', new Map(), new Date(0), [], {}, Object.create(null), { constructor: 5 }, Cat])
      expect(isTagged(v), typeof v).to.equal(false);
  });

  it('fits: an instance of the declared class or a subclass; plain data of the declared built-in type', () => {
    const cat = Object.assign(new Cat(), { name: 'c' });
    expect(fits(cat, rootOf(Cat))).to.equal(true);
    expect(fits(cat, rootOf(Animal))).to.equal(true);
    expect(fits(new Plain(), rootOf(Cat))).to.equal(false);
    expect(fits(new Plain(), rootOf(OtherPlain))).to.equal(false);
    expect(fits({ n: 1 }, rootOf(Plain))).to.equal(false);
    // Plain data declared as nothing in particular: anything.
    for (const v of [new Map(), 1, 'x', cat]) expect(fits(v, ANY)).to.equal(true);
    expect(fits(new Map(), anyOf(Map))).to.equal(true);
    expect(fits(new Set(), anyOf(Map))).to.equal(false);
    expect(fits('x', anyOf(String))).to.equal(true);
    expect(fits(1, anyOf(String))).to.equal(false);
  });

  it('class ids: 0 for plain data, one per declared class, never TAGGED', () => {
    expect(classId(ANY)).to.equal(0);
    expect(classId(anyOf(Map))).to.equal(0);
    const ids = [classId(rootOf(Cat)), classId(rootOf(Plain)), classId(rootOf(OtherPlain)), classId(rootOf(Animal))];
    expect(new Set(ids).size).to.equal(4);
    for (const id of ids) expect(id).to.not.be.oneOf([0, TAGGED]);
    expect(classId(rootOf(Animal))).to.equal(ids[3]);
  });

  for (const sync of [false, true]) {
    describe(sync ? 'a store read synchronously' : 'a store read asynchronously', () => {
      let s: PagableStorageBase;
      beforeEach(() => {
        s = sync ? new InMemoryPagableStorage() : new PagableStorageBase(asyncOnlyMemoryStore());
      });
      afterEach(async () => {
        await s.close();
      });

      it('plain data loaded as a Map is the same Map where a Map is declared, and refused where a Set is', async () => {
        const key = await s.save(new Map([['a', 1]]));
        const m = await s.load(Map, key);
        expect(m).to.be.instanceOf(Map);
        expect(await s.load(Map, key)).to.equal(m);
        expect(await s.load(Object, key)).to.equal(m);
        const e = await expectError(s.load(Set, key), 'TYPE_MISMATCH');
        expect(e.message).to.contain(key);
        // Through fields: a holder whose @Shared Map is that blob gets that Map; a Set-typed one is refused.
        const holder = await s.save(Object.assign(new MapHolder(), { m: new Map([['a', 1]]) }));
        expect((await s.load(MapHolder, holder)).m).to.equal(m);
        // A Set holder's blob whose Set child is that blob, as a damaged or foreign store can have it.
        const set = await s.fetchData(await s.save(Object.assign(new SetHolder(), { m: new Set([1]) })));
        const arcs = [...set.arcs];
        arcs[0] = key;
        const f = await expectError(s.load(SetHolder, await s.storeData({ data: set.data, arcs })), 'TYPE_MISMATCH');
        expect(f.message).to.contain(key);
        expect(f.message).to.contain('Set');
      });

      it('plain data loaded earlier is not handed out where a codec class is declared', async () => {
        const key = await s.save(new Point(1, 2));
        const point = await s.load(Object, key);
        expect(point).to.be.instanceOf(Point);
        await expectError(s.load(Money, key), 'TYPE_MISMATCH');
        expect(await s.load(Point, key)).to.equal(point);
      });

      it('a tagged blob is one object through its class and its base; an untagged one is one per class', async () => {
        const ck = await s.save(Object.assign(new Cat(), { name: 'tom' }));
        const cat = await s.load(Cat, ck);
        expect(await s.load(Animal, ck)).to.equal(cat);
        const pk = await s.save(Object.assign(new Plain(), { n: 3 }));
        const p = await s.load(Plain, pk);
        const q = await s.load(OtherPlain, pk);
        expect(q).to.be.instanceOf(OtherPlain);
        expect(q).to.not.equal(p);
        expect(await s.load(Plain, pk)).to.equal(p);
        expect(await s.load(OtherPlain, pk)).to.equal(q);
      });
    });
  }
});
