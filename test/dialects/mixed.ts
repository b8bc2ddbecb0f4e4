/* A subclass compiled in one decorator dialect of a base compiled in the other (both ways round). */
import type { Model, PagableApi } from './model.js';

/** `Sub extends base` with a field of its own, tagged `${ns}.Sub`. */
export function defineSub(p: PagableApi, base: Model['Base'], ns: string) {
  const { TypeTag, Field } = p;

  @TypeTag(`${ns}.Sub`)
  class Sub extends base {
    @Field({ aliases: ['count'] }) more!: number;
  }

  return { Sub };
}
