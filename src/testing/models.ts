/*
 * The small build graph the paging suite saves and loads: polymorphism through a tagged
 * hierarchy, @Shared sharing, a @Lazy child, Maps and bytes. Tags are under `pagable.testing.`
 * so they never collide with an application's own.
 */
import { Field, Dyn, Lazy, Shared } from '../decorators/fields.js';
import { Pagable } from '../decorators/pagable.js';
import { TypeTag } from '../decorators/type-tag.js';
import type { PagableArc } from '../arc/pagable-arc.js';

/** An abstract base: values of its subclasses travel with their tags. */
export abstract class Shape {
  abstract area(): number;
}

/** A tagged Shape. */
@TypeTag('pagable.testing.Circle') @Pagable()
export class Circle extends Shape {
  @Field(() => Number) r!: number;
  area(): number { return Math.PI * this.r * this.r; }
  static of(r: number): Circle { return Object.assign(new Circle(), { r }); }
}

/** Another tagged Shape. */
@TypeTag('pagable.testing.Square') @Pagable()
export class Square extends Shape {
  @Field(() => Number) side!: number;
  area(): number { return this.side * this.side; }
  static of(side: number): Square { return Object.assign(new Square(), { side }); }
}

/** A dependency: shared by many modules, with shared dependencies of its own. */
@Pagable()
export class Dep {
  @Field(() => String) name!: string;
  @Field(() => String) version!: string;
  @Shared(() => [Dep]) deps!: Dep[];
  static of(name: string, version = '1.0.0', deps: Dep[] = []): Dep {
    return Object.assign(new Dep(), { name, version, deps });
  }
}

/** A module: inline in its package, sharing deps, with a polymorphic icon. */
@TypeTag('pagable.testing.Module') @Pagable()
export class Module {
  @Field(() => String) path!: string;
  @Field(() => Number) size!: number;
  @Field(() => Uint8Array) hash!: Uint8Array;
  @Shared(() => [Dep]) imports!: Dep[];
  @Dyn(() => Shape) icon!: Shape | undefined;
  static of(path: string, size: number, imports: Dep[] = [], icon?: Shape): Module {
    return Object.assign(new Module(), { path, size, hash: new Uint8Array([size & 255, 1, 2]), imports, icon });
  }
}

/** The root: modules inline, a lazy entry module, a shared main dependency. */
@TypeTag('pagable.testing.Package') @Pagable()
export class Package {
  @Field(() => String) name!: string;
  @Field(() => Map) meta!: Map<string, string>;
  @Field(() => [Module]) modules!: Module[];
  @Lazy(() => Module) entry!: PagableArc<Module> | undefined;
  @Shared(() => Dep) main!: Dep | undefined;
}

/** A singly linked chain through @Shared links. */
@Pagable()
export class Link {
  @Field(() => Number) n!: number;
  @Shared(() => Link) next!: Link | undefined;
}

/** The same through @Lazy links. */
@Pagable()
export class LazyLink {
  @Field(() => Number) n!: number;
  @Lazy(() => LazyLink) next!: PagableArc<LazyLink> | undefined;
}
