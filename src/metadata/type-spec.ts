import type { Codec } from './codec-registry.js';

/** Any class, abstract or not: what decorators and `load` accept. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Class<T = unknown> = abstract new (...args: any[]) => T;

/** A declared field type: a class, or `[X]` for an array of X (nestable). */
export type TypeSpec = Class | readonly [TypeSpec];

/** How a decorated field is stored. */
export type FieldKind =
  | 'field' // inline, in the parent's blob
  | 'shared' // its own blob, restored eagerly, identity kept
  | 'lazy' // its own blob behind a PagableArc, restored on pin
  | 'dyn'; // inline, always tagged (polymorphic)

/** What a field decorator records; resolved into a Schema on first use (types may be forward refs). */
export interface FieldDecl {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: (() => TypeSpec) | undefined;
  /** `design:type` from emitDecoratorMetadata, when the compiler emitted it. */
  readonly designType: unknown;
  /** Earlier names of the field (`FieldOptions.aliases`), for loading blobs written under them. */
  readonly aliases: readonly string[];
  /** `FieldOptions.default`: the value when a stored schema lacks the field. */
  readonly default?: () => unknown;
  /** `FieldOptions.migrate`: converts a stored value of a kind the declared type cannot be. */
  readonly migrate?: (stored: unknown) => unknown;
  /** `FieldOptions.codec`: this field's own codec (`@Field` only). */
  readonly codec?: Codec<unknown, unknown>;
}
