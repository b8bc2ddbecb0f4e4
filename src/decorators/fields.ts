import { recordField } from '../metadata/class-meta.js';
import type { Class, TypeSpec } from '../metadata/type-spec.js';

/**
 * An inline field, stored in its parent's blob. Without a type, `design:type` decides: primitives,
 * Date, Uint8Array, Map, Set, plain data and `@Pagable` classes work; give `() => X` or `() => [X]`
 * for arrays of classes or forward references.
 */
export function Field(type?: () => TypeSpec): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'field', type);
}

/**
 * A field stored as its own blob and restored eagerly: an object reachable along many paths is
 * encoded once and comes back as one object. `() => [X]` is an array of shared references.
 */
export function Shared(type: () => TypeSpec): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'shared', type);
}

/**
 * A field holding a `PagableArc<X>`: stored as its own blob and restored PagedOut, so nothing of
 * the child is fetched until it is pinned.
 */
export function Lazy(type: () => Class | readonly [TypeSpec]): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'lazy', type);
}

/**
 * A polymorphic inline field: any `@TypeTag` class (an instance of `base` when given). The tag is
 * always written. `() => [Base]` is an array of polymorphic values.
 */
export function Dyn(base?: () => TypeSpec): PropertyDecorator {
  return (proto, name) => recordField(proto, name, 'dyn', base);
}
