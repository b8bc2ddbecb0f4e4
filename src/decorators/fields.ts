import type { FieldOptions } from '../metadata/field-options.js';
import type { Class, TypeSpec } from '../metadata/type-spec.js';
import { type PagableFieldDecorator, fieldDecorator } from './dialect.js';

/*
 * Every field decorator takes a last, optional FieldOptions; a type, where there is one, comes
 * first as a thunk. The two are told apart by `typeof === 'function'`.
 */

/**
 * An inline field, stored in its parent's blob. Without a type, `design:type` decides (legacy
 * decorators with emitDecoratorMetadata): primitives, Date, Uint8Array, Map, Set, plain data and
 * `@Pagable` classes work. Give `() => X` or `() => [X]` for arrays of classes, forward references,
 * and every class-typed field under TC39 standard decorators (which have no `design:type`).
 */
export function Field(type: () => TypeSpec, options?: FieldOptions): PagableFieldDecorator;
export function Field(options?: FieldOptions): PagableFieldDecorator;
export function Field(first?: (() => TypeSpec) | FieldOptions, second?: FieldOptions): PagableFieldDecorator {
  return fieldDecorator('field', { first, second });
}

/**
 * A field stored as its own blob and restored eagerly: an object reachable along many paths is
 * encoded once and comes back as one object. `() => [X]` is an array of shared references.
 */
export function Shared(type: () => TypeSpec, options?: FieldOptions): PagableFieldDecorator {
  return fieldDecorator('shared', { first: type, second: options });
}

/**
 * A field holding a `PagableArc<X>`: stored as its own blob and restored PagedOut, so nothing of
 * the child is fetched until it is pinned.
 */
export function Lazy(type: () => Class | readonly [TypeSpec], options?: FieldOptions): PagableFieldDecorator {
  return fieldDecorator('lazy', { first: type, second: options });
}

/**
 * A polymorphic inline field: any `@TypeTag` class (an instance of `base` when given). The tag is
 * always written. `() => [Base]` is an array of polymorphic values.
 */
export function Dyn(base: () => TypeSpec, options?: FieldOptions): PagableFieldDecorator;
export function Dyn(options?: FieldOptions): PagableFieldDecorator;
export function Dyn(first?: (() => TypeSpec) | FieldOptions, second?: FieldOptions): PagableFieldDecorator {
  return fieldDecorator('dyn', { first, second });
}
