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

/**
 * How values of a class pagable cannot decorate (a `Decimal`, a date library's class, a `URL`)
 * are stored: `encode` turns a value into plain data (anything `@Field()` stores without a type),
 * `decode` builds the value back from it. `name` is written where the runtime class is not the
 * declared one, as a type tag is; register it with `registerCodec`, or give it to one field with
 * `@Field({ codec })`.
 */
export interface Codec<T, P> {
  /** A stable name for the stored form, never derived from the class name (minifiers rename classes). */
  name: string;
  /** The plain data a value is stored as; equal encodings give equal keys. */
  encode(value: T): P;
  /** The value back from what `encode` returned (as stored: a copy). */
  decode(plain: P): T;
}
