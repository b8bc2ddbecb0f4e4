import { expect } from 'chai';
import fc from 'fast-check';
import {
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  PagableError,
  PagableStorageBase,
  PinnedPagableArc,
  Shared,
  TypeTag,
} from '../src/index.js';
import { Circle, Dep, Link, Module, Shape } from './support/models.js';
import { asyncOnlyMemoryStore } from './support/async-only-store.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<PagableError> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (e) {
    if (!(e instanceof PagableError)) throw new Error(`expected a PagableError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('expected a PagableError, nothing was thrown');
}

class NotDecorated {
  x = 1;
}

@Pagable()
class Holder {
  @Field(() => Shape) shape!: unknown;
  @Shared(() => Dep) dep!: unknown;
  @Lazy(() => Dep) lazy!: unknown;
  @Dyn(() => Shape) dyn!: unknown;
  @Field() plain!: unknown;
}
function holder(patch: Partial<Holder>): Holder {
  return Object.assign(new Holder(), { shape: Circle.of(1), dep: Dep.of('d'), lazy: undefined, dyn: Circle.of(2), plain: 1 }, patch);
}

describe('errors', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });

  it('DUPLICATE_TAG when a second class registers a held tag, at decoration time', () => {
    let e: unknown;
    try {
      @TypeTag('test.Circle')
      @Pagable()
      class Impostor {
        @Field() x = 1;
      }
      void Impostor;
    } catch (x) {
      e = x;
    }
    expect(e).to.be.instanceOf(PagableError);
    expect((e as PagableError).code).to.equal('DUPLICATE_TAG');
    expect((e as Error).message)
      .to.contain('Impostor')
      .and.contain('Circle');
  });

  it('NOT_PAGABLE for an undecorated class, naming class and field', async () => {
    const e = await codeOf(s.save(holder({ plain: new NotDecorated() })));
    expect(e.code).to.equal('NOT_PAGABLE');
    expect(e.message).to.contain('NotDecorated').and.contain('Holder.plain');
    const root = await codeOf(s.save(new NotDecorated()));
    expect(root.code).to.equal('NOT_PAGABLE');
    expect(root.message).to.contain('NotDecorated');
  });

  it('TYPE_MISMATCH for a value of the wrong class, naming class and field', async () => {
    const e = await codeOf(s.save(holder({ shape: Dep.of('not a shape') })));
    expect(e.code).to.equal('TYPE_MISMATCH');
    expect(e.message).to.contain('Holder.shape').and.contain('Shape').and.contain('Dep');
    expect((await codeOf(s.save(holder({ dyn: Dep.of('x') })))).code).to.equal('TYPE_MISMATCH');
    expect((await codeOf(s.save(holder({ dep: 'a string' })))).code).to.equal('TYPE_MISMATCH');
    expect((await codeOf(s.save(holder({ lazy: Dep.of('not an arc') })))).code).to.equal('TYPE_MISMATCH');
  });

  it('TYPE_MISMATCH for an untagged subclass where its base is declared', async () => {
    @Pagable()
    class Untagged extends Shape {
      @Field() z = 1;
      area(): number {
        return 0;
      }
    }
    const e = await codeOf(s.save(holder({ shape: new Untagged() })));
    expect(e.code).to.equal('TYPE_MISMATCH');
    expect(e.message).to.contain('Untagged').and.contain('@TypeTag');
  });

  it('UNKNOWN_TAG for a blob naming a tag nobody registered, naming the tag and key', async () => {
    const { packr } = await import('../src/codec/wire.js');
    const header = new Uint8Array([0xa0 | 9, ...new TextEncoder().encode('nobody.Me')]);
    const body = packr.pack([1]);
    const key = await s.storeData({ data: new Uint8Array([...header, ...body]), arcs: [] });
    const e = await codeOf(s.load(Circle, key));
    expect(e.code).to.equal('UNKNOWN_TAG');
    expect(e.message).to.contain('nobody.Me').and.contain(key);
  });

  it('TYPE_MISMATCH when a tagged blob is loaded as an unrelated class', async () => {
    const key = await s.save(Circle.of(1));
    const e = await codeOf(s.load(Module, key));
    expect(e.code).to.equal('TYPE_MISMATCH');
    expect(e.message).to.contain('Circle').and.contain('Module').and.contain(key);
  });

  it('CYCLE for a cycle through arc fields, naming the path', async () => {
    const a = Object.assign(new Link(), { n: 1 });
    const b = Object.assign(new Link(), { n: 2, next: a });
    a.next = b;
    const e = await codeOf(s.save(a));
    expect(e.code).to.equal('CYCLE');
    expect(e.message).to.contain('Link.next');
  });

  it('CYCLE for an object containing itself inline', async () => {
    const list: unknown[] = [];
    list.push(list);
    const e = await codeOf(s.save(holder({ plain: list })));
    expect(e.code).to.equal('CYCLE');
  });

  it('NOT_FOUND for a missing key; CORRUPT for a blob that does not decode or lies about its children', async () => {
    expect((await codeOf(s.load(Dep, '00000000000000000000000000000001'))).code).to.equal('NOT_FOUND');
    const bad = await s.storeData({ data: new Uint8Array([0xdc, 0xff]), arcs: [] });
    expect((await codeOf(s.load(Dep, bad))).code).to.equal('CORRUPT');
    const { packr } = await import('../src/codec/wire.js');
    const child = await s.save(Dep.of('c'));
    const extra = await s.storeData({ data: packr.pack(['n', 'v', []]), arcs: [child] });
    const e = await codeOf(s.load(Dep, extra));
    expect(e.code).to.equal('CORRUPT');
    expect(e.message).to.contain(extra);
  });

  it('RELEASED when reading a released pin; IO for pinSync without a synchronous fetch', async () => {
    const pin = PinnedPagableArc.new(Dep.of('x'), s);
    pin.release();
    pin.release();
    expect((await codeOf(() => pin.value)).code).to.equal('RELEASED');
    class AsyncOnly extends PagableStorageBase {
      constructor() {
        super(asyncOnlyMemoryStore());
      }
    }
    const a = new AsyncOnly();
    const arc = PagableArc.new(Dep.of('y'), a);
    arc.unpin();
    await a.pageOutPending();
    const e = await codeOf(() => arc.pinSync());
    expect(e.code).to.equal('IO');
    expect(e.message).to.contain('pin()');
    expect((await arc.pin()).value.name).to.equal('y');
  });

  describe('hostile blobs', () => {
    // Every corrupted, truncated or random blob yields a value or a PagableError, and never
    // touches a prototype.
    const targets = [Dep, Module, Circle, Holder, Object] as const;

    it('random bytes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...targets), async (bytes, cls) => {
          const key = await s.storeData({ data: bytes, arcs: [] });
          try {
            await s.load(cls as typeof Dep, key);
          } catch (e) {
            expect(e, String(e)).to.be.instanceOf(PagableError);
          }
          expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
        }),
        { numRuns: 3000 },
      );
    });

    it('mutated and truncated real blobs', async () => {
      const seeds: Array<{ data: Uint8Array; arcs: string[] }> = [];
      for (const v of [Circle.of(1), Dep.of('a', 'b', [Dep.of('c')]), Module.of('m', 3, [Dep.of('d')], Circle.of(2))]) {
        const k = await s.save(v);
        seeds.push(await s.fetchData(k));
      }
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...seeds),
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          fc.boolean(),
          fc.constantFrom(...targets),
          async (seed, at, byte, truncate, cls) => {
            const data = new Uint8Array(seed.data);
            const i = at % Math.max(1, data.length);
            const mutated = truncate ? data.subarray(0, i) : ((data[i] = byte), data);
            const key = await s.storeData({ data: mutated, arcs: seed.arcs });
            try {
              await s.load(cls as typeof Dep, key);
            } catch (e) {
              expect(e, String(e)).to.be.instanceOf(PagableError);
            }
          },
        ),
        { numRuns: 3000 },
      );
    });

    it('a small blob that expands hugely through msgpackr references is refused', async () => {
      // Deeply nested arrays: bounded depth instead of a stack overflow.
      const nested = new Uint8Array(200_000).fill(0x91);
      const key = await s.storeData({ data: nested, arcs: [] });
      expect((await codeOf(s.load(Object as unknown as typeof Dep, key))).code).to.equal('CORRUPT');
    });

    it('never assigns through __proto__ from data', async () => {
      const { packr } = await import('../src/codec/wire.js');
      const data = packr.pack({ __proto__x: 1 });
      // Rewrite the key to exactly "__proto__" (same length as "__proto__x" minus one is not
      // possible; build it by hand): fixmap 1, fixstr 9 "__proto__", fixmap 1 { polluted: true }.
      const evil = new Uint8Array([
        0x81,
        0xa9,
        ...new TextEncoder().encode('__proto__'),
        0x81,
        0xa8,
        ...new TextEncoder().encode('polluted'),
        0xc3,
      ]);
      void data;
      const key = await s.storeData({ data: evil, arcs: [] });
      const v = await s.load(Object as unknown as typeof Dep, key).catch((e: unknown) => e);
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
      expect(Object.getPrototypeOf(v)).to.not.have.property('polluted');
    });
  });
});
