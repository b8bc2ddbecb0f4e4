/*
 * One object, one identity: a blob restored as a concrete class yields one object
 * whatever declared type reached it — a base-typed or concrete-typed @Shared or @Lazy field,
 * load(Base, key) or load(Concrete, key) — within one page-in and across page-ins of one storage
 * while the object is alive. The Rust crate keeps one allocation for its dyn and concrete views
 * (check_concrete_and_dyn_arc_views in pagable/src/storage/traits.rs, both orders).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Field,
  InMemoryPagableStorage,
  Lazy,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  type PagableError,
  type PagableStorageBase,
  PinnedPagableArc,
  Shared,
  TypeTag,
} from '../../src/index.js';

abstract class Shape {
  abstract area(): number;
}

@TypeTag('identity.Square')
@Pagable()
class Square extends Shape {
  @Field(() => Number) side!: number;
  area(): number {
    return this.side * this.side;
  }
  static of(side: number): Square {
    return Object.assign(new Square(), { side });
  }
}

@TypeTag('identity.Circle')
@Pagable()
class Circle extends Shape {
  @Field(() => Number) r!: number;
  area(): number {
    return 3 * this.r * this.r;
  }
  static of(r: number): Circle {
    return Object.assign(new Circle(), { r });
  }
}

@TypeTag('identity.BaseFirst')
@Pagable()
class BaseFirst {
  @Shared(() => Shape) asBase!: Shape;
  @Shared(() => Square) asSquare!: Square;
}

@TypeTag('identity.ConcreteFirst')
@Pagable()
class ConcreteFirst {
  @Shared(() => Square) asSquare!: Square;
  @Shared(() => Shape) asBase!: Shape;
}

@TypeTag('identity.LazyViews')
@Pagable()
class LazyViews {
  @Lazy(() => Shape) asBase!: PagableArc<Shape>;
  @Lazy(() => Square) asSquare!: PagableArc<Square>;
  @Shared(() => Shape) eager!: Shape;
}

/** An untagged class: bytes carry no class, so two declared classes read two values. */
@Pagable()
class Point {
  @Field(() => Number) x!: number;
}
@Pagable()
class OtherPoint {
  @Field(() => Number) x!: number;
}

/** A lazy arc of plain data. */
@TypeTag('identity.PlainLazy')
@Pagable()
class PlainLazy {
  @Lazy(() => Object) item!: PagableArc<unknown>;
}

/** Slots of every declared type, for the property. */
@TypeTag('identity.Slots')
@Pagable()
class Slots {
  @Shared(() => [Shape]) shapes!: Shape[];
  @Shared(() => [Square]) squares!: Square[];
  @Shared(() => [Circle]) circles!: Circle[];
}

const backends: Array<{ name: string; open(): Promise<PagableStorageBase> }> = [];
const dirs: string[] = [];
backends.push({ name: 'memory', open: async () => new InMemoryPagableStorage() });
backends.push({
  name: 'LMDB',
  open: async () => {
    const d = mkdtempSync(join(tmpdir(), 'pagable-identity-'));
    dirs.push(d);
    return LmdbPagableStorage.open(d);
  },
});
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const b of backends) {
  describe(`identity follows the stored content and concrete class (${b.name})`, () => {
    let s: PagableStorageBase;
    beforeEach(async () => {
      s = await b.open();
    });
    afterEach(async () => {
      await s.close();
    });

    it('dyn view then concrete view of one object: one object after a round trip', async () => {
      const sq = Square.of(3);
      const key = await s.save(Object.assign(new BaseFirst(), { asBase: sq, asSquare: sq }));
      const back = await s.load(BaseFirst, key);
      expect(back.asBase).to.be.instanceOf(Square);
      expect(back.asBase).to.equal(back.asSquare);
    });

    it('concrete view then dyn view: the same', async () => {
      const sq = Square.of(4);
      const key = await s.save(Object.assign(new ConcreteFirst(), { asSquare: sq, asBase: sq }));
      const back = await s.load(ConcreteFirst, key);
      expect(back.asSquare).to.equal(back.asBase);
    });

    it('load(Base, key) and load(Concrete, key) of one blob give one object while it is alive, in both orders', async () => {
      const k1 = await s.save(Square.of(5));
      const viaBase = await s.load(Shape as unknown as typeof Square, k1);
      const viaConcrete = await s.load(Square, k1);
      expect(viaBase).to.equal(viaConcrete);
      const k2 = await s.save(Square.of(6));
      const first = await s.load(Square, k2);
      const second = await s.load(Shape as unknown as typeof Square, k2);
      expect(first).to.equal(second);
    });

    it('an object loaded as a field of one graph is the object another load of its key returns', async () => {
      const sq = Square.of(7);
      const key = await s.save(Object.assign(new BaseFirst(), { asBase: sq, asSquare: sq }));
      const back = await s.load(BaseFirst, key);
      const alone = await s.load(Square, await s.save(Square.of(7)));
      expect(alone).to.equal(back.asSquare);
    });

    it('@Lazy arcs of base and concrete declared types on one blob pin to the same object as the eager view', async () => {
      const sq = Square.of(8);
      const root = Object.assign(new LazyViews(), { asBase: PagableArc.new<Shape>(sq, s), asSquare: PagableArc.new(sq, s), eager: sq });
      const key = await s.save(root);
      const back = await s.load(LazyViews, key);
      const [pb, ps] = await Promise.all([back.asBase.pin(), back.asSquare.pin()]);
      expect(pb.value).to.be.instanceOf(Square);
      expect(pb.value).to.equal(ps.value);
      expect(pb.value).to.equal(back.eager);
      pb.release();
      ps.release();
    });

    it('PagableArc.ptrEq holds across handles of one arc whatever their declared type', async () => {
      const sq = Square.of(9);
      const arc = PagableArc.new(sq, s);
      const asBase = arc.clone() as unknown as PagableArc<Shape>;
      expect(PagableArc.ptrEq(arc, asBase)).to.equal(true);
      const p1 = PinnedPagableArc.new(sq, s);
      expect(PinnedPagableArc.ptrEq(p1, p1.clone())).to.equal(true);
    });

    it('an arc declared as a non-@Pagable base never meets a live arc of plain data on the same blob', async () => {
      // A live arc on a plain-data blob (found by the fuzzer: a Shape-typed lazy arc pinned its number).
      const p = await s.load(PlainLazy, await s.save(Object.assign(new PlainLazy(), { item: PagableArc.new({ n: 57 }, s) })));
      const held = p.item.pinSync();
      expect(held.value).to.deep.equal({ n: 57 });
      // The same blob behind a Shape-typed @Lazy field, as a damaged or foreign store can have it.
      const good = await s.fetchData(
        await s.save(
          Object.assign(new LazyViews(), {
            asBase: PagableArc.new(Square.of(1), s),
            asSquare: PagableArc.new(Square.of(1), s),
            eager: Square.of(2),
          }),
        ),
      );
      const arcs = [...good.arcs];
      arcs[0] = p.item.dataKey!; // asBase: the first placeholder
      const views = await s.load(LazyViews, await s.storeData({ data: good.data, arcs }));
      let error: unknown;
      try {
        await views.asBase.pin();
      } catch (e) {
        error = e;
      }
      expect((error as PagableError | undefined)?.code, String(error)).to.equal('TYPE_MISMATCH');
      held.release();
    });

    it('an untagged blob read through two different declared classes is two values (bytes carry no class)', async () => {
      const key = await s.save(Object.assign(new Point(), { x: 1 }));
      const p = await s.load(Point, key);
      const q = await s.load(OtherPoint, key);
      expect(p).to.be.instanceOf(Point);
      expect(q).to.be.instanceOf(OtherPoint);
      expect(p).to.not.equal(q);
      expect(await s.load(Point, key)).to.equal(p);
    });

    it('property: random graphs keep exactly their identity partition through compatible declared types', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.integer({ min: 1, max: 50 }).map((n) => Square.of(n)),
              fc.integer({ min: 1, max: 50 }).map((n) => Circle.of(n)),
            ),
            { minLength: 1, maxLength: 6 },
          ),
          fc.array(fc.nat(), { minLength: 1, maxLength: 24 }),
          async (pool, picks) => {
            const slots = Object.assign(new Slots(), { shapes: [] as Shape[], squares: [] as Square[], circles: [] as Circle[] });
            const refs: Array<[keyof Slots & ('shapes' | 'squares' | 'circles'), number, Shape]> = [];
            for (const p of picks) {
              const obj = pool[p % pool.length]!;
              // A slot whose declared type fits: the base always does, the concrete one when it matches.
              const list = p % 2 === 0 ? 'shapes' : obj instanceof Square ? 'squares' : 'circles';
              (slots[list] as Shape[]).push(obj);
              refs.push([list, slots[list].length - 1, obj]);
            }
            const back = await s.load(Slots, await s.save(slots));
            for (let i = 0; i < refs.length; i++) {
              for (let j = i + 1; j < refs.length; j++) {
                const [li, ii, oi] = refs[i]!;
                const [lj, ij, oj] = refs[j]!;
                const bi = (back[li] as Shape[])[ii];
                const bj = (back[lj] as Shape[])[ij];
                // Same object before iff same object after (equal content in two objects also dedups:
                // those come back as one object, which the original partition cannot tell apart).
                if (oi === oj) expect(bi, `refs ${i} and ${j}`).to.equal(bj);
                else if (oi.constructor !== oj.constructor || oi.area() !== oj.area()) expect(bi).to.not.equal(bj);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });
}
