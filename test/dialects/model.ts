/*
 * One model compiled twice: by tsconfig.json as legacy decorators (with design:type) into build/,
 * and by tsconfig.tc39.json as TC39 standard decorators (no design:type) into build/tc39/. It is a
 * function of the library, so that both outputs decorate with the one pagable the tests import,
 * and of a tag namespace, so that both can register their tags in one process. Class-typed fields
 * give `() => X`, as TC39 users must; then both dialects write the same bytes.
 */
import type * as pagable from '../../src/index.js';
import type { PagableArc } from '../../src/index.js';

/** What the model is built from: pagable's exports. */
export type PagableApi = typeof pagable;

/** Defines the model's classes with `p`'s decorators; tags are `${ns}.Name`. */
export function defineModel(p: PagableApi, ns: string) {
  const { Pagable, TypeTag, Field, Shared, Lazy, Dyn } = p;

  @Pagable()
  class Dep {
    @Field() name!: string;
    @Field() version!: string;
    @Shared(() => [Dep]) deps!: Dep[];
  }

  @Pagable()
  class Point {
    @Field() x!: number;
    @Field() y!: number;
  }

  abstract class Shape {
    abstract area(): number;
  }

  // @TypeTag alone implies @Pagable.
  @TypeTag(`${ns}.Circle`)
  class Circle extends Shape {
    @Field() r!: number;
    area(): number {
      return Math.PI * this.r * this.r;
    }
  }

  @TypeTag(`${ns}.Square`)
  @Pagable()
  class Square extends Shape {
    @Field() side!: number;
    area(): number {
      return this.side * this.side;
    }
  }

  @Pagable()
  class Base {
    @Field() id!: string;
    @Field({ aliases: ['created'] }) createdAt!: Date;
  }

  // No class decorator: its fields still belong to every @Pagable subclass.
  class Middle extends Base {
    @Field() note!: string;
  }

  @TypeTag(`${ns}.Leaf`)
  class Leaf extends Middle {
    @Field() extra!: number;
    // Redeclared: keeps its base's position, takes this declaration's options.
    @Field({ aliases: ['key'] }) override id = '';
  }

  @Pagable({ name: 'Document' })
  class Doc {
    @Field({ aliases: ['heading'] }) title!: string;
    @Field() tags!: string[];
    @Field() counts!: Map<string, number>;
    @Field() extra!: unknown;
    @Field(() => Point) origin!: Point;
    @Field(() => [Point]) path!: Point[];
    @Field(() => Base) base!: Base | undefined;
    @Shared(() => Dep, { aliases: ['dependency'] }) main!: Dep;
    @Shared(() => [Dep]) deps!: Dep[];
    @Lazy(() => Dep, { aliases: ['later'] }) lazy!: PagableArc<Dep> | undefined;
    @Dyn({ aliases: ['anything'] }) any!: unknown;
    @Dyn(() => Shape, { aliases: ['figure'] }) shape!: Shape | undefined;
    @Dyn(() => [Shape]) shapes!: Shape[];
  }

  return { Dep, Point, Shape, Circle, Square, Base, Middle, Leaf, Doc };
}

/** The classes of one compiled model. */
export type Model = ReturnType<typeof defineModel>;
