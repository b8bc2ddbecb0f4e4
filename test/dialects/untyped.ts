/*
 * Class-typed fields declared without `() => X`, compiled under both decorator dialects: legacy
 * decorators know their classes from design:type; TC39 decorators do not, so they hold plain data
 * only (tagged instances inside it included).
 */
import type { PagableApi } from './model.js';

/** `Loose.point` and `Loose.mark` are typed by their TypeScript types alone; `Loose.data` is plain data. */
export function defineUntyped(p: PagableApi, ns: string) {
  const { Pagable, TypeTag, Field } = p;

  @Pagable()
  class Point {
    @Field() x!: number;
  }

  @TypeTag(`${ns}.Mark`)
  class Mark {
    @Field() n!: number;
  }

  @Pagable()
  class Loose {
    @Field() point!: Point;
    @Field() mark!: Mark;
    @Field() data!: unknown;
  }

  return { Point, Mark, Loose };
}
