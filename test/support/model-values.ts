/*
 * Random values of a random class model (class-models.ts), well and badly typed, for the
 * write-rule property (test/paging/given-back.test.ts). Well typed: every field holds what its
 * declaration and the README promise to store (nil and undefined anywhere, tagged subclasses where
 * a class is declared, objects reused at several places, lazy arcs bound to the storage). Badly
 * typed: now and then a field or an array element holds a "wild" value of any kind instead, from
 * a wrong primitive to a value past a reader limit. Plain data comes from plain-values.ts (its
 * short strings and bytes: lengths at every msgpack header are the msgpack tests' business).
 */
import fc from 'fast-check';
import { type Class, PagableArc, type PagableStorage } from '../../src/index.js';
import { CODEC_CLASSES, type FieldSpec, type Leaf, type Model, type Native } from './class-models.js';
import { LabeledPoint, Money, Point, Point3, Price } from './codec-models.js';
import { bigints, dates, keys, numbers, objectOf, shortStrings, smallBytes, smallPlain as plain } from './plain-values.js';

/** A value drawn for a model. */
export interface Drawn {
  /** The root instance. */
  readonly value: object;
  /** Its class: what `load` is given. */
  readonly cls: Class;
  /** False when some field holds a wild value: then `save` may refuse it. */
  readonly wellTyped: boolean;
  /** Every arc made for the value (to unpin once it is done with). */
  readonly arcs: ReadonlyArray<PagableArc<unknown>>;
}

/**
 * `a` as what `g` draws from. One function per arbitrary: `g` caches by function and arguments,
 * so a new arrow per draw would grow its cache by one entry each time.
 */
function source<T>(a: fc.Arbitrary<T>): () => fc.Arbitrary<T> {
  return () => a;
}

const CODEC_LIST: readonly Class[] = Object.values(CODEC_CLASSES);

/** Names of the undeclared properties of class-transformer models. */
const EXTRA = ['x', 'toJSON', '__proto__', ''];

const TYPED: Partial<Record<Native, () => fc.Arbitrary<unknown>>> = {
  Int8Array: source(fc.int8Array({ maxLength: 4 })),
  Uint8ClampedArray: source(fc.uint8ClampedArray({ maxLength: 4 })),
  Int16Array: source(fc.int16Array({ maxLength: 4 })),
  Uint16Array: source(fc.uint16Array({ maxLength: 4 })),
  Int32Array: source(fc.int32Array({ maxLength: 4 })),
  Uint32Array: source(fc.uint32Array({ maxLength: 4 })),
  Float32Array: source(fc.float32Array({ maxLength: 4 })),
  Float64Array: source(fc.float64Array({ maxLength: 4 })),
  BigInt64Array: source(fc.bigInt64Array({ maxLength: 3 })),
  BigUint64Array: source(fc.bigUint64Array({ maxLength: 3 })),
};

/** Unbiased (fast-check leans towards small numbers), for probabilities. */
const UNIFORM = source(fc.noBias(fc.integer({ min: 0, max: 1e6 - 1 })));
const PLAIN = source(plain);
const SMALL_PLAIN = source(fc.array(plain, { maxLength: 3 }));
const MAP_ENTRIES = source(fc.array(fc.tuple(plain, plain), { maxLength: 3 }));
const OBJECT_ENTRIES = source(fc.array(fc.tuple(keys, plain), { maxLength: 3 }));
const STRINGS = source(shortStrings);
const NUMBERS = source(numbers);
// Now and then a bigint at the reader's limit of 100,000 characters, sign included.
const BIGINTS = source(
  fc.oneof({ arbitrary: bigints, weight: 300 }, { arbitrary: fc.constantFrom(10n ** 99_999n, -(10n ** 99_998n)), weight: 1 }),
);
const DATES = source(dates);
const BYTES = source(smallBytes);

/** Native values that are never of a field's declared kind, whatever it is, or that a reader limit refuses. */
function wildPrimitive(): fc.Arbitrary<unknown> {
  return fc.constantFrom<unknown>(
    '21.5',
    '',
    1,
    1.5,
    -0,
    NaN,
    true,
    0,
    10n,
    2n ** 70n,
    new Date(0),
    new Uint8Array(2),
    new Int8Array(2),
    new Float64Array(1),
    Buffer.from('ab'),
    [1, 'a'],
    { a: 1 },
    new Map([[1, 2]]),
    new Set([1]),
    () => 1,
    Symbol('s'),
    new (class NotPagable {})(),
    new Money(1n, 0),
    new LabeledPoint(1, 2),
  );
}

/** Draws values of one model with `g`, binding its arcs to `storage`. */
export class ValueMaker {
  private budget = 0;
  private wild = 0;
  private wildUsed = false;
  /** Finished instances and plain objects of this value, for reuse (never one still being built: no cycles). */
  private readonly pool: object[] = [];
  /** Arcs by the leaf they were made for. */
  private readonly arcPool = new Map<string, Array<PagableArc<unknown>>>();
  private arcs: Array<PagableArc<unknown>> = [];

  /** Arcs are bound to `storage`, now and then to `other` (a save copies their blobs). */
  constructor(
    private readonly model: Model,
    private readonly g: fc.GeneratorValue,
    private readonly storage: PagableStorage,
    private readonly other: PagableStorage,
  ) {}

  /**
   * A root value: an instance of a random model class (now and then plain data holding tagged
   * instances), badly typed in a fraction `wild` of its fields.
   */
  draw(wild: number): Drawn {
    const g = this.g;
    this.budget = g(fc.integer, { min: 4, max: 40 });
    this.wild = wild;
    this.wildUsed = false;
    this.arcs = [];
    // Objects are reused within one value only: one of an earlier value may hold a wild value.
    this.pool.length = 0;
    this.arcPool.clear();
    if (this.chance(0.1)) {
      const value = [this.tagged(undefined), this.g(PLAIN), this.tagged(undefined)];
      return { value, cls: Object, wellTyped: !this.wildUsed, arcs: this.arcs };
    }
    const r = g(fc.nat, this.model.classes.length - 1);
    const value = this.build(r);
    return { value, cls: this.model.classes[r]!, wellTyped: !this.wildUsed, arcs: this.arcs };
  }

  private chance(p: number): boolean {
    return p > 0 && this.g(UNIFORM) < p * 1e6;
  }

  private pick<T>(list: readonly T[]): T | undefined {
    return list.length === 0 ? undefined : list[this.g(fc.nat, list.length - 1)];
  }

  /** A new instance of model class `i`, every field set (as own data properties: `__proto__` too). */
  private build(i: number): object {
    this.budget--;
    const obj = new (this.model.classes[i] as new () => object)();
    const fields = this.model.fields[i]!;
    for (const [name, f] of fields) {
      Object.defineProperty(obj, name, { value: this.field(f), enumerable: true, writable: true, configurable: true });
    }
    // A class-transformer model stores its other own properties too.
    if (this.model.spec.classes[i]!.ct) {
      for (const name of EXTRA) {
        if (fields.some(([n]) => n === name) || !this.chance(0.3)) continue;
        Object.defineProperty(obj, name, {
          value: this.maybeWild(() => this.g(PLAIN)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    this.pool.push(obj);
    return obj;
  }

  /** Classes whose instances can stand where `c` is declared: itself (if decorated), tagged subclasses. */
  private fitting(c: Class, tagsOnly: boolean): number[] {
    const out: number[] = [];
    this.model.classes.forEach((k, i) => {
      if (k === c ? !tagsOnly : this.model.tagged[i] && k.prototype instanceof c) out.push(i);
    });
    return out;
  }

  private leafClass(l: Leaf & { t: 'class' | 'base' | 'codec' }): Class {
    return l.t === 'base' ? this.model.base : l.t === 'codec' ? CODEC_CLASSES[l.cls] : this.model.classes[l.cls]!;
  }

  /** An instance that can stand where `c` is declared (reused now and then), or null when none can or the budget is spent. */
  private instance(c: Class, tagsOnly: boolean, reuse: number): object | null {
    if (CODEC_LIST.includes(c)) return this.coded(c, reuse);
    if (this.chance(reuse)) {
      const old = this.pick(this.pool.filter((o) => this.fitting(c, tagsOnly).some((i) => o.constructor === this.model.classes[i])));
      if (old !== undefined) return old;
    }
    const i = this.budget > 0 ? this.pick(this.fitting(c, tagsOnly)) : undefined;
    return i === undefined ? null : this.build(i);
  }

  /** A value of codec'd class `c` (a subclass now and then), reused now and then. */
  private coded(c: Class, reuse: number): object {
    if (this.chance(reuse)) {
      const old = this.pick(this.pool.filter((o) => o instanceof c && !(o instanceof LabeledPoint)));
      if (old !== undefined) return old;
    }
    const g = this.g;
    let v: object;
    if (c === Money) v = new Money(g(BIGINTS), g(fc.nat, 4));
    else if (c === Price) v = new Price(new Money(g(BIGINTS), g(fc.nat, 4)));
    else if (!this.chance(0.05)) v = this.chance(0.5) ? new Point(g(NUMBERS), g(NUMBERS)) : new Point3(g(NUMBERS), g(NUMBERS), g(NUMBERS));
    else {
      // Its base's codec does not cover it: refused.
      this.wildUsed = true;
      v = new LabeledPoint(g(NUMBERS), g(NUMBERS));
    }
    this.pool.push(v);
    return v;
  }

  /** Plain data holding a value of a codec'd class. */
  private plainWithCoded(): unknown {
    return [this.g(PLAIN), { v: this.coded(this.pick(CODEC_LIST)!, 0.2) }];
  }

  private field(f: FieldSpec): unknown {
    switch (f.kind) {
      case 'field':
        return this.arrays(f.arrays, () => this.leaf(f.leaf));
      case 'coded':
        return f.codec === 'box' ? this.maybeWild(() => this.g(PLAIN)) : this.arrays(f.arrays, () => this.g(DATES));
      case 'untyped':
        // Nothing declares its type: an instance can only be inside plain data, and tagged (or codec'd).
        return this.maybeWild(() =>
          this.chance(0.2) ? [this.g(PLAIN), this.tagged(undefined)] : this.chance(0.1) ? this.plainWithCoded() : this.g(PLAIN),
        );
      case 'shared':
        return this.arrays(f.arrays, () => this.shared(f.leaf));
      case 'lazy':
        return this.arrays(f.arrays, () => this.lazy(f.leaf));
      case 'dyn':
        return this.arrays(f.arrays, () =>
          this.tagged(f.base === undefined ? undefined : f.base === 'base' ? this.model.base : this.model.classes[f.base]!),
        );
      case 'union':
        // An instance of exactly one of the discriminator's classes.
        return this.arrays(f.arrays, () => {
          const m = this.pick(f.members)!;
          return this.budget > 0 ? this.build(m) : null;
        });
    }
  }

  /** `arrays` levels of arrays around values of `each`, each element possibly wild, nil or undefined. */
  private arrays(arrays: number, each: () => unknown): unknown {
    if (arrays === 0) return this.maybeWild(each);
    return this.maybeWild(() => {
      const n = this.budget > 0 ? this.g(fc.nat, 3) : 0;
      this.budget--;
      return Array.from({ length: n }, () => this.arrays(arrays - 1, each));
    });
  }

  /** Usually `make()`; sometimes nil or undefined (which fit anywhere), or a wild value. */
  private maybeWild(make: () => unknown): unknown {
    if (this.chance(this.wild)) {
      this.wildUsed = true;
      return this.wildValue();
    }
    if (this.chance(0.08)) return this.g(fc.constantFrom, null, undefined);
    return make();
  }

  private wildValue(): unknown {
    switch (this.g(fc.nat, 9)) {
      case 0:
        // Past the reader's limits: a bigint of 100,001 digits, nesting of 1,001 levels.
        return this.chance(0.5) ? -(10n ** 100_000n) : deepArray(1001);
      case 1:
      case 2: {
        const i = this.g(fc.nat, this.model.classes.length - 1);
        return this.budget > 0 ? this.build(i) : new (this.model.base as new () => object)();
      }
      case 3:
        return PagableArc.new(this.g(PLAIN), this.storage);
      case 4:
        // Plain data holding an instance: refused unless it is tagged.
        return [this.pick(this.pool) ?? null];
      default:
        return this.g(wildPrimitive);
    }
  }

  private leaf(l: Leaf): unknown {
    if (l.t !== 'native') return this.instance(this.leafClass(l), false, 0.15);
    return this.native(l.native);
  }

  private native(n: Native): unknown {
    const g = this.g;
    switch (n) {
      case 'String':
        return g(STRINGS);
      case 'Number':
        return g(NUMBERS);
      case 'Boolean':
        return g(fc.boolean);
      case 'BigInt':
        return g(BIGINTS);
      case 'Date':
        return g(DATES);
      case 'Uint8Array':
        return g(BYTES);
      case 'Map':
        return new Map(g(MAP_ENTRIES));
      case 'Set':
        return new Set(g(SMALL_PLAIN));
      case 'Array':
        return g(SMALL_PLAIN);
      case 'Object':
        // Anything: plain data, or a tagged or codec'd instance (the type is known, so it may be the value itself).
        if (this.chance(0.1)) return this.chance(0.5) ? this.coded(this.pick(CODEC_LIST)!, 0.2) : this.plainWithCoded();
        return this.chance(0.2) ? this.tagged(undefined) : g(PLAIN);
      default:
        return g(TYPED[n]!);
    }
  }

  /** A tagged instance that can stand where `base` is declared (any tagged class when undefined). */
  private tagged(base: Class | undefined): object | null {
    return this.instance(base ?? Object, true, 0.2);
  }

  private shared(l: Leaf): unknown {
    if (l.t !== 'native') return this.instance(this.leafClass(l), false, 0.4);
    // Plain data in its own blob: an object or an array, reused now and then.
    const old = this.chance(0.3)
      ? this.pick(this.pool.filter((o) => Object.getPrototypeOf(o) === Object.prototype || Array.isArray(o)))
      : undefined;
    if (old !== undefined) return old;
    const obj = this.chance(0.5) ? objectOf(this.g(OBJECT_ENTRIES), false) : this.g(SMALL_PLAIN);
    this.pool.push(obj);
    return obj;
  }

  private lazy(l: Leaf): unknown {
    const key = JSON.stringify(l);
    let arcs = this.arcPool.get(key);
    if (arcs === undefined) this.arcPool.set(key, (arcs = []));
    const old = this.chance(0.3) ? this.pick(arcs) : undefined;
    if (old !== undefined) return old;
    const value = l.t === 'native' ? this.g(PLAIN) : this.instance(this.leafClass(l), false, 0.3);
    if (value === null) return null;
    const arc = PagableArc.new(value, this.chance(0.1) ? this.other : this.storage);
    arcs.push(arc);
    this.arcs.push(arc);
    return arc;
  }
}

/** An array nested `n` deep. */
function deepArray(n: number): unknown[] {
  let a: unknown[] = [];
  for (let i = 1; i < n; i++) a = [a];
  return a;
}
