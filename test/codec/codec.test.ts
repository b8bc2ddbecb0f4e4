import { expect } from 'chai';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { packr } from '../../src/codec/wire.js';
import { Field, InMemoryPagableStorage, Pagable, PagableArc, PagableError, Shared, TypeTag } from '../../src/index.js';
import { Circle, Kitchen, Shape, Square } from '../support/models.js';
import { fuzzRuns } from '../support/env.js';

function kitchen(): Kitchen {
  const k = new Kitchen();
  k.s = 'héllo ✓';
  k.n = -0;
  k.b = true;
  k.big = 2n ** 100n;
  k.nil = null;
  k.undef = undefined;
  k.when = new Date('2024-02-29T12:34:56.789Z');
  k.bytes = new Uint8Array([0, 255, 7]);
  k.map = new Map<unknown, unknown>([
    ['b', 1],
    [2, 'two'],
    [true, [NaN]],
    [null, new Map([['x', -0]])],
  ]);
  k.set = new Set<unknown>([3, 'x', Infinity, -Infinity]);
  k.list = [1, 'a', null, undefined, [2, [3]], { deep: { er: [new Date(0)] } }, 12n, -7n];
  k.obj = { z: 1, a: 2, nested: { arr: [1.5, -2.25] }, f64: new Float64Array([1.5, NaN]), i16: new Int16Array([-3, 4]) };
  k.circles = [Circle.of(1), Circle.of(2)];
  k.anyShape = Square.of(9);
  return k;
}

describe('codec', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });

  it('round trips every supported plain data kind and keeps -0, NaN and ±Infinity', async () => {
    const k = kitchen();
    const back = await s.load(Kitchen, await s.save(k));
    expect(back).to.be.instanceOf(Kitchen);
    expect(back).to.deep.equal(k);
    expect(Object.is(back.n, -0)).to.equal(true);
    expect(Object.is((back.map.get(null) as Map<string, number>).get('x'), -0)).to.equal(true);
    expect(Number.isNaN((back.map.get(true) as number[])[0])).to.equal(true);
    expect(back.bytes.constructor).to.equal(Uint8Array);
    expect(back.circles[1]).to.be.instanceOf(Circle);
    expect(back.anyShape).to.be.instanceOf(Square);
    expect(back.when.getTime()).to.equal(k.when.getTime());
  });

  it('keeps plain object and Map insertion order, and order is part of the content', async () => {
    const a = kitchen();
    const b = kitchen();
    b.obj = { a: 2, z: 1, nested: { arr: [1.5, -2.25] }, f64: new Float64Array([1.5, NaN]), i16: new Int16Array([-3, 4]) };
    const ka = await s.save(a);
    const kb = await s.save(b);
    expect(ka).to.not.equal(kb);
    expect(Object.keys((await s.load(Kitchen, kb)).obj)).to.deep.equal(['a', 'z', 'nested', 'f64', 'i16']);
    expect(Object.keys((await s.load(Kitchen, ka)).obj)).to.deep.equal(['z', 'a', 'nested', 'f64', 'i16']);
  });

  it('round trips __proto__ and constructor keys as own data properties, touching no prototype', async () => {
    const k = kitchen();
    const obj: Record<string, unknown> = {};
    Object.defineProperty(obj, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
    obj['constructor'] = 'c';
    obj['prototype'] = 1;
    k.obj = obj;
    const back = await s.load(Kitchen, await s.save(k));
    expect(Object.getPrototypeOf(back.obj)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.obj, '__proto__')!.value).to.deep.equal({ polluted: true });
    expect(back.obj['constructor']).to.equal('c');
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('never assigns through __proto__ from the bytes of a data blob', async () => {
    // A blob of plain data, its map key forged to exactly "__proto__": { __proto__: { polluted: true } }.
    const template = await s.fetchData(await s.save({ a: 1 }));
    const text = (t: string): number[] => [0xa0 | t.length, ...new TextEncoder().encode(t)];
    const evil = new Uint8Array([0xc1, 0x81, ...text('__proto__'), 0x81, ...text('polluted'), 0xc3]);
    const key = await s.storeData({ data: evil, arcs: template.arcs });
    const v = (await s.load(Object, key)) as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')!.value).to.deep.equal({ polluted: true });
  });

  it('round trips objects without a prototype', async () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['x'] = 1;
    bare['__proto__'] = 'own';
    const back = await s.load(Kitchen, await s.save(Object.assign(kitchen(), { obj: { bare } })));
    const got = back.obj['bare'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).to.equal(null);
    expect(Object.keys(got)).to.deep.equal(['x', '__proto__']);
    expect(got['x']).to.equal(1);
    expect(got['__proto__']).to.equal('own');
  });

  it('writes deterministic, self-contained blobs: the same value gives the same bytes whatever came before', async () => {
    const s1 = new InMemoryPagableStorage();
    const k1 = await s1.save(kitchen());
    const b1 = (await s1.fetchData(k1)).data;
    const s2 = new InMemoryPagableStorage();
    for (let i = 0; i < 50; i++) await s2.save(Object.assign(kitchen(), { s: `noise ${i}`, obj: { [`k${i}`]: i } }));
    const k2 = await s2.save(kitchen());
    expect(k2).to.equal(k1);
    expect([...(await s2.fetchData(k2)).data]).to.deep.equal([...b1]);
  });

  it('writes 0xC1, then a tagged root as an instance escape naming class 0 of its schema set, fields positional', async () => {
    const key = await s.save(Circle.of(2.5));
    const { data, arcs } = await s.fetchData(key);
    // 0xC1, then [C1, 16 + 0, 2.5]: fixarray 3, the 0xC1 byte, class 0, float64 2.5.
    expect([...data]).to.deep.equal([0xc1, 0x93, 0xc1, 16, ...packr.pack(2.5)]);
    // Its only child key is its schema set, whose only child is the class schema of test.Circle.
    expect(arcs).to.have.length(1);
    const set = await s.fetchData(arcs[0]!);
    expect([...set.data.subarray(0, 3)]).to.deep.equal([0xc1, 0xc1, 0x01]);
    expect(set.arcs).to.have.length(1);
    const cls = await s.fetchData(set.arcs[0]!);
    expect([...cls.data.subarray(0, 3)]).to.deep.equal([0xc1, 0xc1, 0x02]);
    expect(unpack(cls.data.subarray(3))).to.deep.equal(['test.Circle', 'Circle', [['r', 0, 'Number']], false]);
  });

  it('does not change what msgpackr does for the user', () => {
    const v = { a: new Map([[1, 2]]), d: new Date(5), n: -0 };
    expect([...pack(v)]).to.deep.equal([...pack(v)]);
    expect(unpack(pack({ x: [1, 'y'] }))).to.deep.equal({ x: [1, 'y'] });
  });

  it('decodes a blob written before the class gained trailing fields', async () => {
    @Pagable()
    class V1 {
      @Field() a!: number;
    }
    const key = await s.save(Object.assign(new V1(), { a: 1 }));
    @Pagable()
    class V2 {
      @Field() a!: number;
      @Field() b!: string;
    }
    const back = await s.load(V2, key);
    expect(back).to.be.instanceOf(V2);
    expect(back.a).to.equal(1);
    expect(back.b).to.equal(undefined);
  });

  it('does not run constructors on page-in and stores only decorated fields', async () => {
    let runs = 0;
    @Pagable()
    class C {
      @Field() kept = 1;
      notKept = 2;
      constructor() {
        runs++;
      }
    }
    const key = await s.save(new C());
    const back = await s.load(C, key);
    expect(runs).to.equal(1);
    expect(back.kept).to.equal(1);
    expect('notKept' in back).to.equal(false);
  });

  it('stores inherited fields first, in declaration order', async () => {
    @Pagable()
    class Base {
      @Field() b1 = 'b1';
      @Field() b2 = 'b2';
    }
    @Pagable()
    class Derived extends Base {
      @Field() d1 = 'd1';
    }
    const { data } = await s.fetchData(await s.save(new Derived()));
    expect(data[0]).to.equal(0xc1);
    expect(unpack(data.subarray(1))).to.deep.equal(['b1', 'b2', 'd1']);
  });

  it('calls afterPageIn hooks once the graph is complete, children first', async () => {
    const order: string[] = [];
    @Pagable()
    class Kid {
      @Field() name = 'kid';
      afterPageIn(): void {
        order.push(this.name);
      }
    }
    @Pagable()
    class Parent {
      @Shared(() => Kid) kid = new Kid();
      @Field() name = 'parent';
      afterPageIn(): void {
        order.push(`${this.name} sees ${this.kid.name}`);
      }
    }
    await s.load(Parent, await s.save(new Parent()));
    expect(order).to.deep.equal(['kid', 'parent sees kid']);
  });

  it('infers design:type for primitives, Date, Uint8Array, Map, Set and decorated classes', async () => {
    @Pagable()
    class Inner {
      @Field() x = 1;
    }
    @Pagable()
    class Outer {
      @Field() s = 's';
      @Field() n = 1;
      @Field() b = false;
      @Field() d = new Date(1);
      @Field() u = new Uint8Array([1]);
      @Field() m = new Map([['k', 1]]);
      @Field() st = new Set([1]);
      @Field() inner: Inner = new Inner();
    }
    const back = await s.load(Outer, await s.save(new Outer()));
    expect(back).to.deep.equal(new Outer());
    expect(back.inner).to.be.instanceOf(Inner);
  });

  describe('polymorphism', () => {
    @TypeTag('codec.Zoo')
    @Pagable()
    class Zoo {
      @Field(() => Shape) declared!: Shape;
      @Shared(() => Shape) shared!: Shape;
      @Shared(() => [Shape]) many!: Shape[];
    }

    it('restores subclasses through abstract bases in @Field, @Shared and arrays', async () => {
      const z = Object.assign(new Zoo(), { declared: Circle.of(1), shared: Square.of(2), many: [Circle.of(3), Square.of(4)] });
      const back = await s.load(Zoo, await s.save(z));
      expect(back.declared).to.be.instanceOf(Circle);
      expect(back.shared).to.be.instanceOf(Square);
      expect(back.many.map((x) => x.constructor)).to.deep.equal([Circle, Square]);
      expect(back.many.map((x) => x.area())).to.deep.equal([Math.PI * 9, 16]);
    });

    it('gives a @Shared tagged value the same key as saving it directly', async () => {
      const sq = Square.of(7);
      await s.save(Object.assign(new Zoo(), { declared: Circle.of(1), shared: sq, many: [] }));
      const before = s.stats().blobs;
      await s.save(Square.of(7));
      expect(s.stats().blobs).to.equal(before);
    });
  });

  describe('property: round trips', () => {
    const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.bigInt(),
        fc.date({ noInvalidDate: true }),
        fc.uint8Array({ maxLength: 20 }),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 5 }),
        // chai's deep equal cannot compare null-prototype objects inside Maps; they have their own test.
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 5, noNullPrototype: true }),
        fc.array(fc.tuple(tie('leaf'), tie('node')), { maxLength: 4 }).map((e) => new Map(e)),
        fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 5 }).map((e) => new Set(e)),
      ),
    })).node;

    it('any plain data in a @Field round trips (thousands of generated values)', async () => {
      await fc.assert(
        fc.asyncProperty(plain, async (v) => {
          const k = Object.assign(kitchen(), { list: [v] });
          const back = await s.load(Kitchen, await s.save(k));
          // Node's comparison: chai's deep equal throws on a Map holding an object whose
          // `toString` is not a function (it sorts entries by their string form).
          assert.deepStrictEqual(back.list, [v]);
        }),
        { numRuns: fuzzRuns(1500) },
      );
    });

    it('a Map holding an object whose toString is not a function round trips (a property found it)', async () => {
      const v = new Map<unknown, unknown>([
        ['', { toString: {} }],
        [false, ''],
      ]);
      const back = await s.load(Kitchen, await s.save(Object.assign(kitchen(), { list: [v] })));
      assert.deepStrictEqual(back.list, [v]);
    });

    it('equal values give equal keys; the key does not depend on what was stored before', async () => {
      await fc.assert(
        fc.asyncProperty(plain, plain, async (a, b) => {
          const s1 = new InMemoryPagableStorage();
          const k1 = await s1.save(Object.assign(kitchen(), { list: [a] }));
          const s2 = new InMemoryPagableStorage();
          await s2.save(Object.assign(kitchen(), { list: [b] }));
          const k2 = await s2.save(Object.assign(kitchen(), { list: [a] }));
          expect(k2).to.equal(k1);
        }),
        { numRuns: fuzzRuns(300) },
      );
    });
  });

  it('pages out and back arcs holding plain data: arrays, Maps, strings, tagged instances inside', async () => {
    const values: unknown[] = [
      'text',
      [1, 'two', Circle.of(3)],
      new Map<unknown, unknown>([['k', new Set([1n, -0])]]),
      { nested: [Square.of(2)] },
    ];
    const arcs = values.map((v) => PagableArc.new(v, s));
    for (const a of arcs) a.unpin();
    const report = s.pageOutPending() as { pagedOut: number; failed: unknown[] };
    expect(report.failed).to.deep.equal([]);
    expect(report.pagedOut).to.equal(values.length);
    for (let i = 0; i < values.length; i++) {
      expect(arcs[i]!.isPagedOut).to.equal(true);
      const pin = await arcs[i]!.pin();
      expect(pin.value).to.deep.equal(values[i]);
      pin.release();
    }
    const back = (await arcs[1]!.pin()).value as unknown[];
    expect(back[2]).to.be.instanceOf(Circle);
  });

  it('saves and loads plain data as a root through load(Object, key)', async () => {
    const v = { a: [1, 2], m: new Map([['x', Circle.of(1)]]) };
    const back = await s.load(Object, await s.save(v));
    expect(back).to.deep.equal(v);
  });

  it('a plain-data root loads as the built-in type it is, and is TYPE_MISMATCH as any other', async () => {
    const roots: ReadonlyArray<readonly [string, object, new () => object]> = [
      ['Date', new Date(5), Date],
      ['Map', new Map([[1, 'a']]), Map],
      ['Set', new Set([1]), Set],
      ['Uint8Array', Uint8Array.of(1, 2), Uint8Array],
      ['array', [1, 'a'], Array],
    ];
    for (const [kind, value, cls] of roots) {
      const key = await s.save(value);
      expect(await s.load(cls, key), kind).to.deep.equal(value);
      expect(await s.load(Object, key), kind).to.deep.equal(value);
      for (const [other, , wrong] of roots) {
        if (wrong === cls) continue;
        const e = await s.load(wrong, key).catch((x: unknown) => x);
        expect(e, `${kind} loaded as ${other}`).to.be.instanceOf(PagableError);
        expect((e as PagableError).code).to.equal('TYPE_MISMATCH');
        expect((e as PagableError).message)
          .to.contain(key)
          .and.contain(`stored ${kind}`)
          .and.contain(`declared ${other === 'array' ? 'Array' : other}`);
      }
    }
  });

  it('refuses functions and symbols with NOT_PAGABLE naming class and field', async () => {
    const k = Object.assign(kitchen(), { obj: { f: () => 1 } });
    const e = await s.save(k).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(PagableError);
    expect((e as PagableError).code).to.equal('NOT_PAGABLE');
    expect((e as Error).message).to.contain('Kitchen.obj');
  });

  describe('strings, exactly', () => {
    @TypeTag('codec.Strings\ud800')
    @Pagable()
    class Strings {
      @Field() s!: string;
      @Field() list!: string[];
      @Field() map!: Map<string, string>;
      @Field() obj!: Record<string, string>;
    }
    const odd = [
      'a\ud800b',
      '\udfff',
      'x'.repeat(100) + '\ud800' + 'y'.repeat(100),
      '\udbff'.repeat(70),
      'é'.repeat(64) + '\udc00',
      '😀\ud83d',
    ];

    it('round trips lone surrogates at every length, in values, map keys, object keys and tags; equal values, equal keys', async () => {
      for (const str of odd) {
        const v = Object.assign(new Strings(), { s: str, list: [str, 'ok'], map: new Map([[str, str]]), obj: { [str]: str } });
        const key = await s.save(v);
        const back = await s.load(Strings, key);
        expect(back).to.be.instanceOf(Strings);
        expect(back.s).to.equal(str);
        expect(back.list).to.deep.equal([str, 'ok']);
        expect([...back.map]).to.deep.equal([[str, str]]);
        expect(Object.keys(back.obj)).to.deep.equal([str]);
        expect(back.obj[str]).to.equal(str);
        // Saved again, in another storage: the same key.
        expect(await new InMemoryPagableStorage().save(back)).to.equal(key);
      }
    });

    it('keeps strings apart that differ only in a lone surrogate (U+FFFD would merge them)', async () => {
      const a = await s.save({ s: 'x'.repeat(80) + '\ud800' });
      const b = await s.save({ s: 'x'.repeat(80) + '\ufffd' });
      expect(a).to.not.equal(b);
      expect(((await s.load(Object, a)) as { s: string }).s).to.equal('x'.repeat(80) + '\ud800');
    });
  });

  describe('errors thrown by user code while encoding', () => {
    it('a throwing getter is NOT_PAGABLE naming Class.field, with the original error as cause', async () => {
      const boom = new Error('boom');
      @Pagable()
      class Getter {
        @Field() ok = 1;
        @Field() get bad(): number {
          throw boom;
        }
      }
      const e = await s.save(new Getter()).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(PagableError);
      expect((e as PagableError).code).to.equal('NOT_PAGABLE');
      expect((e as Error).message)
        .to.contain('Getter.bad')
        .and.contain('boom');
      expect((e as Error).cause).to.equal(boom);
    });

    it('a throwing proxy in plain data is NOT_PAGABLE with the cause', async () => {
      const trap = new TypeError('no keys for you');
      const k = Object.assign(kitchen(), {
        obj: new Proxy(
          {},
          {
            ownKeys: () => {
              throw trap;
            },
          },
        ),
      });
      const e = await s.save(k).catch((x: unknown) => x);
      expect((e as PagableError).code).to.equal('NOT_PAGABLE');
      expect((e as Error).message).to.contain('Kitchen.obj');
      expect((e as Error).cause).to.equal(trap);
    });

    it('objects whose own constructor or toJSON is data are stored as the plain data they are', async () => {
      for (const v of [{ constructor: 'x', toJSON: 1 }, { constructor: 1 }, { toJSON: 2, a: { constructor: null } }]) {
        const back = await s.load(Object, await s.save(v));
        expect(back).to.deep.equal(v);
        expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
      }
    });

    it('an arc whose value cannot be encoded is reported, and strands no other arc', async () => {
      const bad = PagableArc.new({ constructor: 'x', toJSON: 1, f: () => 1 }, s);
      const throwing = PagableArc.new(
        Object.defineProperty({}, 'x', {
          enumerable: true,
          get: () => {
            throw new RangeError('nope');
          },
        }),
        s,
      );
      const good = PagableArc.new(Circle.of(1), s);
      for (const a of [bad, throwing, good]) a.unpin();
      const report = s.pageOutPending() as { pagedOut: number; failed: PagableError[] };
      expect(report.pagedOut).to.equal(1);
      expect(report.failed.map((f) => f.code)).to.deep.equal(['NOT_PAGABLE', 'NOT_PAGABLE']);
      expect(report.failed[1]!.cause).to.be.instanceOf(RangeError);
      expect(good.isPagedOut).to.equal(true);
      expect(s.pendingPagingCount()).to.equal(0);
    });
  });
});
