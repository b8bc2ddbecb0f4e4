/*
 * Classes stored through codecs (registerCodec) and fields with a codec of their own
 * (FieldOptions.codec): they work wherever a decorated class would (typed fields by design:type or
 * `() => X`, arrays, Map and Set values, plain data, @Shared and @Lazy children, roots, @Dyn
 * fields), equal encodings give equal keys, the codec's name is written only where the runtime
 * class is not the declared one, and every failure is a PagableError naming class, field and codec.
 */
import { expect } from 'chai';
import {
  Dyn,
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  PagableError,
  type PageOutReport,
  Shared,
  TypeTag,
  computeKey,
  registerCodec,
  toPlain,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { LabeledPoint, Money, Point, Point3, Price, boxCodec, epochCodec } from '../support/codec-models.js';

@Pagable({ name: 'codecs.Order' })
class Order {
  @Field() total!: Money;
  @Field(() => Money) tax!: Money | undefined;
  @Field(() => [Money]) lines!: Array<Money | null>;
  @Field() byName!: Map<string, Money>;
  @Field() seen!: Set<Point>;
  @Field() notes!: unknown;
  @Field() where!: Point;
  @Shared(() => Money) deposit!: Money;
  @Lazy(() => Money) refund!: PagableArc<Money> | undefined;
  @Dyn() anything!: unknown;
  @Field(() => Price) price!: Price;
}

function order(): Order {
  const deposit = Money.of('5.00');
  return Object.assign(new Order(), {
    total: Money.of('12.50'),
    tax: undefined,
    lines: [Money.of('10.00'), null, Money.of('2.50')],
    byName: new Map([['a', Money.of('1.5')]]),
    seen: new Set([new Point(1, 2), new Point3(1, 2, 3)]),
    notes: [{ m: Money.of('0.01') }, new Point3(0, 0, 0)],
    where: new Point3(4, 5, 6),
    deposit,
    refund: undefined,
    anything: Money.of('7'),
    price: new Price(Money.of('3.25')),
  });
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('codecs: classes stored through registerCodec', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(() => s.close());

  it('work in typed fields, arrays, Map and Set values, plain data, @Shared, @Lazy and @Dyn fields', async () => {
    const o = order();
    o.refund = PagableArc.new(Money.of('1.00'), s);
    const back = await s.load(Order, await s.save(o));
    expect(back.total).to.be.instanceOf(Money).and.deep.equal(o.total);
    expect(back.tax).to.equal(undefined);
    expect(back.lines).to.deep.equal(o.lines);
    expect(back.byName.get('a')).to.be.instanceOf(Money).and.deep.equal(Money.of('1.5'));
    const seen = [...back.seen];
    expect(seen[0]).to.be.instanceOf(Point).and.not.instanceOf(Point3);
    expect(seen[1])
      .to.be.instanceOf(Point3)
      .and.deep.equal(new Point3(1, 2, 3));
    expect(back.notes).to.deep.equal([{ m: Money.of('0.01') }, new Point3(0, 0, 0)]);
    expect((back.notes as unknown[])[1]).to.be.instanceOf(Point3);
    expect(back.where)
      .to.be.instanceOf(Point3)
      .and.deep.equal(new Point3(4, 5, 6));
    expect(back.deposit).to.be.instanceOf(Money).and.deep.equal(o.deposit);
    const refund = await back.refund!.pin();
    expect(refund.value).to.be.instanceOf(Money).and.deep.equal(Money.of('1.00'));
    refund.release();
    expect(back.anything).to.be.instanceOf(Money).and.deep.equal(Money.of('7'));
    expect(back.price).to.be.instanceOf(Price);
    expect(back.price.amount).to.be.instanceOf(Money).and.deep.equal(Money.of('3.25'));
  });

  it('a value saved on its own, or behind an arc, loads as its class and as plain data', async () => {
    const key = await s.save(Money.of('9.99'));
    expect(await s.load(Money, key))
      .to.be.instanceOf(Money)
      .and.deep.equal(Money.of('9.99'));
    expect(await s.load(Object, key)).to.be.instanceOf(Money);
    const arc = PagableArc.new(new Point3(1, 1, 1), s);
    arc.unpin();
    await s.pageOutPending();
    expect(arc.isPagedOut).to.equal(true);
    expect((await arc.pin()).value).to.be.instanceOf(Point3);
    // A blob of another class is not read as one.
    await expectError(s.load(Money, await s.save(new Point(1, 2))), 'TYPE_MISMATCH');
  });

  it('an arc paged out before a save is checked against the codec class its field declares', async () => {
    @Pagable({ name: 'codecs.Refund' })
    class Refund {
      @Lazy(() => Money) amount!: PagableArc<unknown>;
    }
    const money = PagableArc.new(Money.of('1'), s);
    const plain = PagableArc.new({ units: 1 }, s);
    money.unpin();
    plain.unpin();
    await s.pageOutPending();
    expect(money.isPagedOut && plain.isPagedOut).to.equal(true);
    const back = await s.load(Refund, await s.save(Object.assign(new Refund(), { amount: money })));
    expect((await back.amount.pin()).value).to.deep.equal(Money.of('1'));
    const e = await expectError(s.save(Object.assign(new Refund(), { amount: plain })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Refund.amount').and.contain('written as plain data, which cannot be read back as Money');
  });

  it('equal encodings give equal keys, whichever objects hold them', async () => {
    const a = order();
    const b = order();
    expect(await s.save(a)).to.equal(await s.save(b));
    expect(await s.save(Money.of('1.10'))).to.equal(await s.save(new Money(110n, 2)));
    expect(await s.save(Money.of('1.10'))).to.not.equal(await s.save(Money.of('1.1')));
    // The @Shared child is the blob a save of the value itself gives.
    const deposit = toPlain(a).blobs;
    expect(Object.keys(deposit)).to.include(await s.save(Money.of('5.00')));
  });

  it('writes the name only where the runtime class is not the declared one', async () => {
    @Pagable({ name: 'codecs.Typed' })
    class Typed {
      @Field() m!: Money;
    }
    @Pagable({ name: 'codecs.Untyped' })
    class Untyped {
      @Field() m!: unknown;
    }
    const typed = await s.fetchData(await s.save(Object.assign(new Typed(), { m: Money.of('1') })));
    const untyped = await s.fetchData(await s.save(Object.assign(new Untyped(), { m: [Money.of('1')] })));
    expect(text(typed.data)).to.not.contain('test.codec.money');
    expect(text(untyped.data)).to.contain('test.codec.money');
    expect(JSON.stringify(toPlain(Object.assign(new Typed(), { m: Money.of('1') })).blobs)).to.contain('"$codec":"test.codec.money"');
  });

  it('a subclass is not covered by its base class codec: NOT_PAGABLE, unless it has one of its own', async () => {
    const o = Object.assign(order(), { where: new LabeledPoint(1, 2) });
    const e = await expectError(s.save(o), 'NOT_PAGABLE');
    expect(e.message).to.contain('codecs.Order.where').and.contain('LabeledPoint');
    expect((await s.load(Order, await s.save(Object.assign(order(), { where: new Point3(1, 2, 3) })))).where).to.be.instanceOf(Point3);
  });

  it('a value of another class where a codec class is declared is TYPE_MISMATCH naming class and field', async () => {
    const e = await expectError(s.save(Object.assign(order(), { total: '12.50' })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Order.total').and.contain('Money');
    await expectError(s.save(Object.assign(order(), { where: Money.of('1') })), 'TYPE_MISMATCH');
    await expectError(s.save(Object.assign(order(), { deposit: new Point(1, 1) })), 'TYPE_MISMATCH');
  });

  it('as the very value of an untyped field (TC39 decorators, no design:type) it is TYPE_MISMATCH saying what to add', async () => {
    class Loose {}
    Reflect.defineMetadata('design:type', undefined, Loose.prototype, 'm');
    Field()(Loose.prototype, 'm');
    Pagable({ name: 'codecs.Loose' })(Loose);
    const e = await expectError(s.save(Object.assign(new Loose(), { m: Money.of('1') })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Loose.m').and.contain('@Field(() => Money)');
    // Inside plain data the name says what it is.
    const back = await s.load(Loose, await s.save(Object.assign(new Loose(), { m: [Money.of('1')] })));
    expect((back as { m: unknown[] }).m[0]).to.be.instanceOf(Money);
  });
});

describe('codecs: failures name class, field and codec', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(() => s.close());

  class Fragile {
    constructor(readonly mode: string) {}
  }
  registerCodec(Fragile, {
    name: 'test.codec.fragile',
    encode: (f: Fragile): unknown => {
      if (f.mode === 'throw') throw new RangeError('cannot encode');
      if (f.mode === 'symbol') return { s: Symbol('x') };
      if (f.mode === 'nil') return undefined;
      if (f.mode === 'deep') return [f];
      return f.mode;
    },
    decode: (p: unknown) => {
      if (p === 'bad') throw new SyntaxError('cannot decode');
      if (p === 'other') return new Point(0, 0) as unknown as Fragile;
      return new Fragile(p as string);
    },
  });
  @Pagable({ name: 'codecs.Holder' })
  class Holder {
    @Field() f!: Fragile;
  }
  const holder = (mode: string): Holder => Object.assign(new Holder(), { f: new Fragile(mode) });

  it('encode throwing is NOT_PAGABLE with the error as cause; the page-out leaves the arc resident', async () => {
    const e = await expectError(s.save(holder('throw')), 'NOT_PAGABLE');
    expect(e.message).to.contain('codecs.Holder.f').and.contain('codec "test.codec.fragile" (Fragile)').and.contain('cannot encode');
    expect(e.cause).to.be.instanceOf(RangeError);
    const arc = PagableArc.new(holder('throw'), s);
    arc.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.failed.map((x) => x.code)).to.deep.equal(['NOT_PAGABLE']);
    expect(arc.isPagedOut).to.equal(false);
    expect(s.stats().blobs).to.equal(0);
  });

  it('an encoding that cannot be stored is refused by the write rule, naming the codec', async () => {
    const e = await expectError(s.save(holder('symbol')), 'NOT_PAGABLE');
    expect(e.message).to.contain('codec "test.codec.fragile"').and.contain('codecs.Holder.f').and.contain('symbol');
    expect(e.cause).to.be.instanceOf(PagableError);
    const nil = await expectError(s.save(holder('nil')), 'NOT_PAGABLE');
    expect(nil.message).to.contain('as undefined');
    // An encoding holding the value itself never ends: the depth limit says where.
    const deep = await expectError(s.save(holder('deep')), 'CYCLE');
    expect(deep.message).to.contain('codec "test.codec.fragile"');
    expect(s.stats().blobs).to.equal(0);
  });

  it('decode throwing is TYPE_MISMATCH with the cause; a decoded value of another class too', async () => {
    const bad = await s.save(holder('bad'));
    const e = await expectError(s.load(Holder, bad), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Holder.f').and.contain('codec "test.codec.fragile"').and.contain(bad).and.contain('cannot decode');
    expect(e.cause).to.be.instanceOf(SyntaxError);
    const other = await expectError(s.load(Holder, await s.save(holder('other'))), 'TYPE_MISMATCH');
    expect(other.message).to.contain('decoded a Point, not a Fragile');
  });

  it('an unknown codec name on read is UNKNOWN_TAG naming it', async () => {
    const blob = await s.fetchData(await s.save([Money.of('1')]));
    const data = Buffer.from(blob.data);
    const at = data.indexOf('test.codec.money');
    data.write('test.codec.mone?', at, 'latin1');
    const forged = { data: new Uint8Array(data), arcs: blob.arcs };
    const key = await s.storeData(forged);
    expect(key).to.equal(computeKey(forged));
    const e = await expectError(s.load(Object, key), 'UNKNOWN_TAG');
    expect(e.message).to.contain('"test.codec.mone?"').and.contain(key);
  });
});

describe('registerCodec: names and classes', () => {
  it('a taken name is DUPLICATE_TAG: codec names and type tags are one namespace', () => {
    class A {}
    class B {}
    @TypeTag('test.codec.tagged')
    @Pagable()
    class Tagged {}
    void Tagged;
    const codec = { name: 'test.codec.money', encode: String, decode: () => new A() };
    expect(() => registerCodec(A, codec))
      .to.throw(PagableError, /already the codec name of class Money/)
      .with.property('code', 'DUPLICATE_TAG');
    expect(() => registerCodec(A, { ...codec, name: 'test.codec.tagged' }))
      .to.throw(/already the @TypeTag of class Tagged/)
      .with.property('code', 'DUPLICATE_TAG');
    expect(() => TypeTag('test.codec.point')(B))
      .to.throw(/already the codec name of class Point/)
      .with.property('code', 'DUPLICATE_TAG');
    registerCodec(A, { ...codec, name: 'test.codec.a' });
    expect(() => registerCodec(A, { ...codec, name: 'test.codec.a2' }))
      .to.throw(/already has codec "test.codec.a"/)
      .with.property('code', 'DUPLICATE_TAG');
    // The same name again replaces the functions (a module loaded twice, hot reloading).
    registerCodec(A, { ...codec, name: 'test.codec.a' });
  });

  it('refuses a @Pagable class, a built-in type, a malformed codec and a class already declared without one: INVALID_ARGUMENT', async () => {
    @Pagable()
    class Decorated {}
    const ok = { name: 'test.codec.x', encode: String, decode: String };
    expect(() => registerCodec(Decorated, ok))
      .to.throw(/is @Pagable/)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => registerCodec(Date, ok))
      .to.throw(/built-in/)
      .with.property('code', 'INVALID_ARGUMENT');
    class C {}
    expect(() => registerCodec(C, { ...ok, name: '' }))
      .to.throw(/non-empty string/)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => registerCodec(C, { name: 'test.codec.c' } as never))
      .to.throw(/encode and decode/)
      .with.property('code', 'INVALID_ARGUMENT');
    // Loaded (or saved in a field) before its codec: the schema kept says "class", so it is refused.
    class Late {}
    const s = new InMemoryPagableStorage();
    await expectError(s.load(Late, await s.save({})), 'TYPE_MISMATCH');
    expect(() => registerCodec(Late, { ...ok, name: 'test.codec.late' }))
      .to.throw(/register codecs before/)
      .with.property('code', 'INVALID_ARGUMENT');
    // And a codec'd class cannot become @Pagable.
    expect(() => Pagable()(Money))
      .to.throw(/stored through codec "test.codec.money"/)
      .with.property('code', 'INVALID_ARGUMENT');
    await s.close();
  });
});

describe('FieldOptions.codec: one field through a codec', () => {
  @Pagable({ name: 'codecs.Event' })
  class Event {
    @Field({ codec: epochCodec }) at!: Date;
    @Field(() => [Date], { codec: epochCodec }) times!: Date[];
    @Field({ codec: boxCodec }) box!: unknown;
  }

  it('stores the field as its codec encodes it, and reads it back through its decode', async () => {
    const s = new InMemoryPagableStorage();
    const e = Object.assign(new Event(), { at: new Date(5), times: [new Date(1), new Date(NaN)], box: [1, 'a'] });
    const key = await s.save(e);
    const back = await s.load(Event, key);
    expect(back.at).to.be.instanceOf(Date).and.deep.equal(new Date(5));
    expect(back.times.map((d) => d.getTime())).to.deep.equal([1, NaN]);
    expect(back.box).to.deep.equal([1, 'a']);
    expect((toPlain(e).blobs[key] as { at: unknown }).at).to.deep.equal({ $codec: 'test.codec.epoch', value: 5 });
    await s.close();
  });

  it('read by a class that no longer declares the codec: a registered name decodes by its codec, a field codec is UNKNOWN_TAG', async () => {
    @Pagable({ name: 'codecs.Ledger' })
    class LedgerV1 {
      @Field() paid!: Money;
      @Field({ codec: epochCodec }) at!: Date;
    }
    @Pagable({ name: 'codecs.Ledger' })
    class Plain {
      @Field() paid!: unknown;
    }
    @Pagable({ name: 'codecs.Ledger' })
    class NoCodec {
      @Field() at!: Date;
    }
    @Pagable({ name: 'codecs.Ledger' })
    class Boxed {
      @Field({ codec: boxCodec }) paid!: unknown;
    }
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new LedgerV1(), { paid: Money.of('2.50'), at: new Date(5) }));
    expect((await s.load(Plain, key)).paid)
      .to.be.instanceOf(Money)
      .and.deep.equal(Money.of('2.50'));
    expect((await s.load(Boxed, key)).paid)
      .to.be.instanceOf(Money)
      .and.deep.equal(Money.of('2.50'));
    const e = await expectError(s.load(NoCodec, key), 'UNKNOWN_TAG');
    expect(e.message).to.contain('codecs.Ledger.at').and.contain('codec "test.codec.epoch" is not registered').and.contain(key);
    await s.close();
  });

  it('a default is checked against the class a codec field declares; a field codec takes any value', async () => {
    @Pagable({ name: 'codecs.Later' })
    class LaterV1 {
      @Field() n!: number;
    }
    @Pagable({ name: 'codecs.Later' })
    class Later {
      @Field({ default: () => Money.of('1') }) paid!: Money;
      @Field({ codec: boxCodec, default: () => 'boxed' }) box!: unknown;
    }
    @Pagable({ name: 'codecs.Later' })
    class Wrong {
      @Field({ default: () => new Point(1, 2) }) paid!: Money;
    }
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new LaterV1(), { n: 1 }));
    const back = await s.load(Later, key);
    expect(back.paid).to.deep.equal(Money.of('1'));
    expect(back.box).to.equal('boxed');
    const e = await expectError(s.load(Wrong, key), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Later.paid: its default returned Point');
    await s.close();
  });

  it('refuses a value the declared type cannot be, and a codec on @Shared, @Lazy or @Dyn fields', async () => {
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.save(Object.assign(new Event(), { at: 'now', times: [] })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('codecs.Event.at');
    class Bad {}
    expect(() => Shared(() => Date, { codec: epochCodec })(Bad.prototype, 'x'))
      .to.throw(/give it to @Field/)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => Field({ codec: { name: 'x' } as never })(Bad.prototype, 'y'))
      .to.throw(/encode and decode/)
      .with.property('code', 'INVALID_ARGUMENT');
    await s.close();
  });
});
