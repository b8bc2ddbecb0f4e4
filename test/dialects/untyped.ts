/*
 * A class-typed field declared without `() => X`, compiled under both decorator dialects: legacy
 * decorators know its class from design:type; TC39 decorators do not, so it holds plain data only.
 */
import type { PagableApi } from './model.js';

/** `Loose.point` is a Point by its TypeScript type alone; `Loose.data` is plain data. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
export function defineUntyped(p: PagableApi) {
  const { Pagable, Field } = p;

  @Pagable()
  class Point {
    @Field() x!: number;
  }

  @Pagable()
  class Loose {
    @Field() point!: Point;
    @Field() data!: unknown;
  }

  return { Point, Loose };
}
