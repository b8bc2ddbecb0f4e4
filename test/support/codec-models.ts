/*
 * Classes pagable cannot decorate, as a library's would be, stored through codecs (registerCodec),
 * and codecs for single fields. Shared by the codec tests and the write-rule property
 * (test/paging/given-back.test.ts); every name here begins with `test.codec.`.
 */
import { type Codec, registerCodec } from '../../src/index.js';

/** A decimal amount: an integer of units and a scale, kept in own fields (compared as such). */
export class Money {
  constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}
  toString(): string {
    const s = this.units.toString().padStart(this.scale + 1, '0');
    return this.scale === 0 ? s : `${s.slice(0, -this.scale)}.${s.slice(-this.scale)}`;
  }
  /** Parses "12.50" (a test helper, not the codec). */
  static of(text: string): Money {
    const [int, frac = ''] = text.split('.');
    return new Money(BigInt(int! + frac), frac.length);
  }
}

/** A point, whose subclass Point3 has a codec of its own and LabeledPoint has none. */
export class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

export class Point3 extends Point {
  constructor(
    x: number,
    y: number,
    readonly z: number,
  ) {
    super(x, y);
  }
}

/** A subclass with no codec: the codec of Point does not cover it. */
export class LabeledPoint extends Point {
  label = 'p';
}

/** Holds a Money and is encoded as it: an encoding that is itself a value of a codec'd class. */
export class Price {
  constructor(readonly amount: Money) {}
}

export const moneyCodec: Codec<Money, [bigint, number]> = {
  name: 'test.codec.money',
  encode: (m) => [m.units, m.scale],
  decode: ([units, scale]) => new Money(units, scale),
};

registerCodec(Money, moneyCodec);
registerCodec(Point, { name: 'test.codec.point', encode: (p) => ({ x: p.x, y: p.y }), decode: (o) => new Point(o.x, o.y) });
registerCodec(Point3, {
  name: 'test.codec.point3',
  encode: (p) => [p.x, p.y, p.z],
  decode: ([x, y, z]: number[]) => new Point3(x!, y!, z!),
});
registerCodec(Price, { name: 'test.codec.price', encode: (p) => p.amount, decode: (m: Money) => new Price(m) });

/** A field's own codec for Dates: the time as a number (NaN for an invalid Date). */
export const epochCodec: Codec<Date, number> = {
  name: 'test.codec.epoch',
  encode: (d) => d.getTime(),
  decode: (t) => new Date(t),
};

/** A field's own codec for any plain value: stored wrapped in an object. */
export const boxCodec: Codec<unknown, { v: unknown }> = {
  name: 'test.codec.box',
  encode: (v) => ({ v }),
  decode: (b) => b.v,
};
