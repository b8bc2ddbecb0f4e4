import type { Class } from './type-spec.js';
// Type only, and mutual on purpose: a ClassMeta lists its fields' schemas, and a class field's
// schema points back at the ClassMeta of its class (class-meta.ts builds both). At run time
// schema.ts imports nothing of class-meta.ts, so the run-time graph has no circle.
import type { ClassMeta } from './class-meta.js';
import type { CodecEntry } from './codec-registry.js';

/**
 * A resolved field type: what the codec walks. Built once per field on first use, from the
 * decorator's type thunk or `design:type`.
 */
export type Schema =
  | AnySchema
  | ClassSchema
  | { readonly k: 'array'; readonly of: Schema }
  | { readonly k: 'dyn'; readonly base: Class | undefined }
  | UnionSchema
  | CodecSchema
  | { readonly k: 'shared'; readonly root: RootSchema }
  | { readonly k: 'lazy'; readonly root: RootSchema };

/**
 * Self-describing plain data: primitives, Date, Uint8Array, Map, Set, arrays, plain objects, tagged
 * instances. `native` is the built-in class the field was declared with (String, Number, Map...),
 * when one was: encoding ignores it, schema evolution checks stored values against it.
 */
export interface AnySchema {
  readonly k: 'any';
  readonly native?: Class;
}

/**
 * A declared class. `meta` is undefined when the declared class is not itself @Pagable (an
 * abstract base, say): then every value needs a @TypeTag of its own.
 */
export interface ClassSchema {
  readonly k: 'class';
  readonly cls: Class;
  readonly meta: ClassMeta | undefined;
}

/**
 * A class-transformer discriminator: values are instances of the listed subtypes, written with
 * the subtype's name (local to this field) instead of a global type tag.
 */
export interface UnionSchema {
  readonly k: 'union';
  readonly byName: ReadonlyMap<string, Class>;
  readonly byClass: ReadonlyMap<Class, string>;
}

/**
 * Values stored through a codec: a class registered with `registerCodec` (`codec.cls`), or a
 * field's own `FieldOptions.codec`. `cls` is what values must be (`nativeFits`): the registered
 * class, or the type a field with its own codec declares (undefined when it declares none, or
 * Object). Where a registered codec's class is declared, a value of exactly that class is written
 * as its encoding alone; any other value carries its name (or tag).
 */
export interface CodecSchema {
  readonly k: 'codec';
  readonly cls: Class | undefined;
  readonly codec: CodecEntry;
}

/** What a blob's root is decoded as (a codec'd value in a blob of its own always carries its name). */
export type RootSchema = AnySchema | ClassSchema | CodecSchema;

/** The one `any` schema (shared, so identity comparisons work). */
export const ANY: AnySchema = Object.freeze({ k: 'any' });

const natives = new Map<Class, AnySchema>();

/** The plain-data schema of a field declared as built-in class `c` (one frozen object per class). */
export function anyOf(c: Class): AnySchema {
  if (c === Object) return ANY;
  let s = natives.get(c);
  if (s === undefined) natives.set(c, (s = Object.freeze({ k: 'any', native: c })));
  return s;
}

/** Built-in classes whose values the codec encodes natively, so they resolve to `any`. */
export const NATIVE_TYPES: ReadonlySet<unknown> = new Set<unknown>([
  String,
  Number,
  Boolean,
  BigInt,
  Symbol,
  Object,
  Array,
  Date,
  Map,
  Set,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  Function,
]);

/** A short human description of a schema for error messages. */
export function describeSchema(s: Schema): string {
  switch (s.k) {
    case 'any':
      return s.native === undefined ? 'plain data' : s.native.name;
    case 'class':
      return s.cls.name;
    case 'array':
      return `${describeSchema(s.of)}[]`;
    case 'dyn':
      return s.base ? `dyn ${s.base.name}` : 'dyn';
    case 'union':
      return [...s.byName.keys()].join(' | ');
    case 'codec':
      return s.codec.cls !== undefined ? s.codec.cls.name : `${s.cls?.name ?? 'plain data'} (codec ${s.codec.name})`;
    case 'shared':
      return `shared ${describeSchema(s.root)}`;
    case 'lazy':
      return `lazy ${describeSchema(s.root)}`;
  }
}
