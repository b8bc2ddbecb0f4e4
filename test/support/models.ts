/*
 * Domain classes the tests share: a small build graph with polymorphism, sharing and lazy children.
 * They look like `pagable/testing`'s models on purpose but are not them: these take their field
 * types from `design:type` (`@Field()` with no type, the dialect most users write), and their tags
 * (`test.*`) are fixed by stored fixtures, so they stay beside the kit rather than replacing it.
 */
import { Dyn, Field, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../../src/index.js';

export abstract class Shape {
  abstract area(): number;
}

@TypeTag('test.Circle')
@Pagable()
export class Circle extends Shape {
  @Field() r!: number;
  area(): number {
    return Math.PI * this.r * this.r;
  }
  static of(r: number): Circle {
    return Object.assign(new Circle(), { r });
  }
}

@TypeTag('test.Square')
@Pagable()
export class Square extends Shape {
  @Field() side!: number;
  area(): number {
    return this.side * this.side;
  }
  static of(side: number): Square {
    return Object.assign(new Square(), { side });
  }
}

@Pagable()
export class Dep {
  @Field() name!: string;
  @Field() version!: string;
  @Shared(() => [Dep]) deps!: Dep[];
  static of(name: string, version = '1.0.0', deps: Dep[] = []): Dep {
    return Object.assign(new Dep(), { name, version, deps });
  }
}

@TypeTag('test.Module')
@Pagable()
export class Module {
  @Field() path!: string;
  @Field() size!: number;
  @Field() hash!: Uint8Array;
  @Shared(() => [Dep]) imports!: Dep[];
  @Dyn(() => Shape) icon!: Shape | undefined;
  static of(path: string, size: number, imports: Dep[] = [], icon?: Shape): Module {
    return Object.assign(new Module(), { path, size, hash: new Uint8Array([size & 255, 1, 2]), imports, icon });
  }
}

@TypeTag('test.Package')
@Pagable()
export class Package {
  @Field() name!: string;
  @Field() meta!: Map<string, string>;
  @Field(() => [Module]) modules!: Module[];
  @Lazy(() => Module) entry!: PagableArc<Module> | undefined;
  @Shared(() => Dep) main!: Dep | undefined;
}

/** A singly linked chain through @Shared links, for depth tests. */
@Pagable()
export class Link {
  @Field() n!: number;
  @Shared(() => Link) next!: Link | undefined;
}

/** The same through @Lazy links. */
@Pagable()
export class LazyLink {
  @Field() n!: number;
  @Lazy(() => LazyLink) next!: PagableArc<LazyLink> | undefined;
}

/** Every plain data kind the codec supports, inline. */
@TypeTag('test.Kitchen')
@Pagable()
export class Kitchen {
  @Field() s!: string;
  @Field() n!: number;
  @Field() b!: boolean;
  @Field() big!: bigint;
  @Field() nil!: null;
  @Field() undef!: undefined;
  @Field() when!: Date;
  @Field() bytes!: Uint8Array;
  @Field() map!: Map<unknown, unknown>;
  @Field() set!: Set<unknown>;
  @Field() list!: unknown[];
  @Field() obj!: Record<string, unknown>;
  @Field(() => [Circle]) circles!: Circle[];
  @Field(() => Shape) anyShape!: Shape;
}

/** A Kitchen holding one value of every kind, `overrides` replacing some. */
export function kitchen(overrides: Partial<Kitchen> = {}): Kitchen {
  const k = new Kitchen();
  Object.assign(k, {
    s: 'héllo',
    n: -0,
    b: true,
    big: 2n ** 100n,
    nil: null,
    undef: undefined,
    when: new Date(0),
    bytes: new Uint8Array([1, 2, 3]),
    map: new Map<unknown, unknown>([
      ['a', 1],
      [2, 'two'],
    ]),
    set: new Set([1, 'x']),
    list: [1, NaN, Infinity],
    obj: { z: 1, f: new Float64Array([1.5]) },
    circles: [Circle.of(1)],
    anyShape: Square.of(2),
    ...overrides,
  });
  Object.defineProperty(k.obj, '__proto__', { value: 5, enumerable: true, writable: true, configurable: true });
  return k;
}

/** An untagged class of one number: a child blob, or an instance where the codec tests need one. */
@Pagable({ name: 'test.Leaf' })
export class Leaf {
  @Field() v!: number;
  static of(v: number): Leaf {
    return Object.assign(new Leaf(), { v });
  }
}
