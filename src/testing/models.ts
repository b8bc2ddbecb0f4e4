/*
 * The small build graph the paging suite saves and loads: polymorphism through a tagged
 * hierarchy, `@Shared` sharing, a `@Lazy` child, Maps and bytes. Tags are under `pagable.testing.`
 * so they never collide with an application's own.
 */
import { Field, Dyn, Lazy, Shared } from '../decorators/fields.js';
import { Pagable } from '../decorators/pagable.js';
import { TypeTag } from '../decorators/type-tag.js';
import type { PagableArc } from '../arc/pagable-arc.js';

/** An abstract base: values of its subclasses travel with their tags. */
export abstract class Shape {
  /** Something each subclass computes its own way (its methods come back with its class). */
  abstract area(): number;
}

/** A tagged Shape. */
@TypeTag('pagable.testing.Circle')
@Pagable()
export class Circle extends Shape {
  /** Radius. */
  @Field(() => Number) r!: number;
  /** π r². */
  area(): number {
    return Math.PI * this.r * this.r;
  }
  /** A circle of radius `r`. */
  static of(r: number): Circle {
    return Object.assign(new Circle(), { r });
  }
}

/** Another tagged Shape. */
@TypeTag('pagable.testing.Square')
@Pagable()
export class Square extends Shape {
  /** Length of a side. */
  @Field(() => Number) side!: number;
  /** side². */
  area(): number {
    return this.side * this.side;
  }
  /** A square of side `side`. */
  static of(side: number): Square {
    return Object.assign(new Square(), { side });
  }
}

/** A dependency: shared by many modules, with shared dependencies of its own. */
@Pagable()
export class Dep {
  /** Package name. */
  @Field(() => String) name!: string;
  /** Version string. */
  @Field(() => String) version!: string;
  /** Its own dependencies, each its own blob, shared by identity. */
  @Shared(() => [Dep]) deps!: Dep[];
  /** A dependency with the given name, version and dependencies. */
  static of(name: string, version = '1.0.0', deps: Dep[] = []): Dep {
    return Object.assign(new Dep(), { name, version, deps });
  }
}

/** A module: inline in its package, sharing deps, with a polymorphic icon. */
@TypeTag('pagable.testing.Module')
@Pagable()
export class Module {
  /** Source path. */
  @Field(() => String) path!: string;
  /** Size in bytes. */
  @Field(() => Number) size!: number;
  /** Bytes (a Uint8Array round trip). */
  @Field(() => Uint8Array) hash!: Uint8Array;
  /** Shared dependencies. */
  @Shared(() => [Dep]) imports!: Dep[];
  /** Any tagged Shape, or none. */
  @Dyn(() => Shape) icon!: Shape | undefined;
  /** A module; its `hash` is derived from `size`. */
  static of(path: string, size: number, imports: Dep[] = [], icon?: Shape): Module {
    return Object.assign(new Module(), { path, size, hash: new Uint8Array([size & 255, 1, 2]), imports, icon });
  }
}

/** The root: modules inline, a lazy entry module, a shared main dependency. */
@TypeTag('pagable.testing.Package')
@Pagable()
export class Package {
  /** Package name. */
  @Field(() => String) name!: string;
  /** A Map (insertion order is content). */
  @Field(() => Map) meta!: Map<string, string>;
  /** Modules stored inline in the package's blob. */
  @Field(() => [Module]) modules!: Module[];
  /** A lazy child: restored PagedOut, fetched on pin. */
  @Lazy(() => Module) entry!: PagableArc<Module> | undefined;
  /** A shared child: its own blob, restored eagerly. */
  @Shared(() => Dep) main!: Dep | undefined;
}

/** A singly linked chain through `@Shared` links. */
@Pagable()
export class Link {
  /** Position in the chain. */
  @Field(() => Number) n!: number;
  /** The next link, or none at the end. */
  @Shared(() => Link) next!: Link | undefined;
}

/** The same through `@Lazy` links. */
@Pagable()
export class LazyLink {
  /** Position in the chain. */
  @Field(() => Number) n!: number;
  /** The next link, fetched on pin, or none at the end. */
  @Lazy(() => LazyLink) next!: PagableArc<LazyLink> | undefined;
}
