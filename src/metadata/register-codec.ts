import { PagableError } from '../error.js';
import { declaredWithoutCodec, isMarkedPagable } from './class-meta.js';
import { addCodec, checkedCodec } from './codec-registry.js';
import type { Codec } from './type-spec.js';
import { NATIVE_TYPES } from './schema.js';
import type { Class } from './type-spec.js';

/**
 * Stores values of `cls`, a class pagable cannot decorate (a `Decimal`, a date library's class),
 * through `codec`: wherever a decorated class would be stored (typed fields, arrays, Map and Set
 * values, plain data, a blob of its own), a value whose constructor is exactly `cls` is stored as
 * `codec.encode(value)` and read back as `codec.decode(plain)`. Where the declared type is not
 * `cls` (plain data, a `@Dyn` field, a base class), `codec.name` is written with it, as a type
 * tag is. Subclasses are not covered: each needs a codec (or `@Pagable`) of its own.
 *
 * Register codecs when the program starts, before the first `save` or `load` uses the class.
 * DUPLICATE_TAG when the name is a `@TypeTag` or another class's codec name (they share one
 * namespace) or `cls` has a codec of another name; INVALID_ARGUMENT for a `@Pagable` class (it is
 * stored by its fields: a class is stored one way), a built-in type, a malformed codec, or a class
 * some field or load already resolved without one. Registering the same name for the same class
 * again replaces its functions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- DESIGN's signature: constructors of any parameters
export function registerCodec<T, P>(cls: abstract new (...a: any[]) => T, codec: Codec<T, P>): void {
  if (typeof cls !== 'function') throw new PagableError('INVALID_ARGUMENT', `registerCodec: expected a class, got ${typeof cls}`);
  const c = cls as Class;
  const where = `registerCodec(${c.name || '(anonymous class)'})`;
  const checked = checkedCodec(codec, where);
  if (NATIVE_TYPES.has(c)) throw new PagableError('INVALID_ARGUMENT', `${where}: ${c.name} is a built-in type pagable stores itself`);
  if (isMarkedPagable(c)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: the class is @Pagable, stored by its decorated fields; a class is stored one way (give one field a codec with @Field({ codec }) instead)`,
    );
  }
  if (declaredWithoutCodec(c)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: a field or load already declared ${c.name} without a codec, and kept that; register codecs before the first save or load`,
    );
  }
  addCodec(c, checked);
}
