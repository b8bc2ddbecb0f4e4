import { recordField } from '../metadata/class-meta.js';
import type { Class, FieldOptions, TypeSpec } from '../metadata/type-spec.js';

/** `(type?, options?)` or `(options)`: the type thunk and the options of a field decorator. */
function args<T>(a: T | FieldOptions | undefined, b: FieldOptions | undefined): [T | undefined, FieldOptions | undefined] {
  if (a !== undefined && a !== null && typeof a === 'object') return [undefined, a as FieldOptions];
  return [a as T | undefined, b];
}

/**
 * An inline field, stored in its parent's blob. Without a type, `design:type` decides: primitives,
 * Date, Uint8Array, Map, Set, plain data and @Pagable classes work; give `() => X` or `() => [X]`
 * for arrays of classes or forward references. `{ aliases }` lists earlier names of the field.
 */
export function Field(type?: (() => TypeSpec) | FieldOptions, options?: FieldOptions): PropertyDecorator {
  const [t, o] = args(type, options);
  return (proto, name) => recordField(proto, name, 'field', t, o);
}

/**
 * A field stored as its own blob and restored eagerly: an object reachable along many paths is
 * encoded once and comes back as one object. `() => [X]` is an array of shared references.
 */
export function Shared(type: () => TypeSpec, options?: FieldOptions): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'shared', type, options);
}

/**
 * A field holding a `PagableArc<X>`: stored as its own blob and restored PagedOut, so nothing of
 * the child is fetched until it is pinned.
 */
export function Lazy(type: () => Class | readonly [TypeSpec], options?: FieldOptions): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'lazy', type, options);
}

/**
 * A polymorphic inline field: any @TypeTag class (an instance of `base` when given). The tag is
 * always written. `() => [Base]` is an array of polymorphic values.
 */
export function Dyn(base?: (() => TypeSpec) | FieldOptions, options?: FieldOptions): PropertyDecorator {
  const [t, o] = args(base, options);
  return (proto, name) => recordField(proto, name, 'dyn', t, o);
}
