import 'reflect-metadata';
import { PagableError } from '../error.js';
import type { Class, FieldDecl, FieldKind, TypeSpec } from './type-spec.js';
import { ancestryOf, fieldDeclsOf } from './field-records.js';
import { ANY, NATIVE_TYPES, anyOf, type ClassSchema, type CodecSchema, type RootSchema, type Schema } from './schema.js';
import { tagOfClass } from './tag-registry.js';
import { type CodecEntry, codecOfClass, fieldCodec } from './codec-registry.js';
import { type CtField, classTransformerLayout } from './class-transformer.js';

/*
 * Decorators only record facts (field-records.ts, and the options here, through reflect-metadata
 * on the constructor); everything derived from them (inherited field order, resolved schemas) is
 * computed on first use, because type thunks may name classes declared later in the module.
 */

const OPTIONS_KEY = Symbol.for('pagable:options');

/** Options of `@Pagable`. */
export interface PagableOptions {
  /** A stable display name for messages and tools (class names do not survive minifiers). */
  name?: string;
}

/** One stored field of a class, with its resolved schema. */
export interface FieldMeta {
  readonly name: string;
  readonly kind: FieldKind;
  readonly schema: Schema;
  /** Where the field was declared, for messages. */
  readonly owner: Class;
  /** Earlier names of the field (`@Field({ aliases })`); empty for most fields. */
  readonly aliases: readonly string[];
  /**
   * False when nothing declared the field's type: no `() => X` and no `design:type` (TC39 standard
   * decorators, or no `emitDecoratorMetadata`). Its values are then stored as plain data.
   */
  readonly typeKnown: boolean;
  /** The value of the field when a stored schema lacks it; undefined when it has none. */
  readonly default?: () => unknown;
  /** Converts a stored value whose kind cannot be the declared type; undefined when it has none. */
  readonly migrate?: (stored: unknown) => unknown;
}

/** Everything the codec needs to know about one @Pagable class. */
export interface ClassMeta {
  readonly cls: Class;
  /** Small per-process number, used in arc-cache keys. */
  readonly id: number;
  /** Display name: `@Pagable({ name })` or the class name. */
  readonly name: string;
  readonly tag: string | undefined;
  /** Stored fields, inherited first, in declaration order. */
  readonly fields: readonly FieldMeta[];
  /** Called on each restored instance once its graph is complete. */
  readonly restored: ((obj: object) => void) | undefined;
  /** The schema of a value declared as exactly this class. */
  readonly asSchema: ClassSchema;
  /**
   * Classes laid out from class-transformer metadata also store their other own properties (those
   * it would serialize) in a trailing record; undefined for classes with pagable field decorators.
   */
  readonly rest: { readonly known: ReadonlySet<string>; readonly excluded: ReadonlySet<string> } | undefined;
}

/** Records that `cls` is serializable; without `options`, keeps those already recorded. */
export function markPagable(cls: Class, options?: PagableOptions): void {
  const codec = codecOfClass(cls);
  if (codec !== undefined) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${cls.name}: stored through codec "${codec.name}" (registerCodec); a class is stored one way, by its codec or by its decorated fields`,
    );
  }
  if (options !== undefined || !isMarkedPagable(cls)) Reflect.defineMetadata(OPTIONS_KEY, { ...options }, cls);
  metas.delete(cls);
}

/** True when `cls` itself (not merely an ancestor) was marked with @Pagable or @TypeTag. */
export function isMarkedPagable(cls: Class): boolean {
  return Reflect.hasOwnMetadata(OPTIONS_KEY, cls);
}

/** Drops what was derived from `cls`'s metadata, after a decorator added to it. */
export function forgetClassMeta(cls: Class): void {
  metas.delete(cls);
}

const metas = new Map<Class, ClassMeta | null>();
let nextId = 1;

/** The metadata of a @Pagable class, or undefined when the class is not marked. */
export function getClassMeta(cls: Class): ClassMeta | undefined {
  // A value's `constructor` can be anything (an own property named so): only classes have metadata.
  if (typeof cls !== 'function') return undefined;
  let m = metas.get(cls);
  if (m === undefined) {
    m = isMarkedPagable(cls) ? buildMeta(cls) : null;
    metas.set(cls, m);
  }
  return m ?? undefined;
}

/**
 * The name a schema records for `cls` (a declared base, a child's class): its `@Pagable({ name })`
 * when given, so that builds which rename classes (minifiers) write the same schema; else its
 * constructor name.
 */
export function storedNameOf(cls: Class): string {
  return getClassMeta(cls)?.name ?? cls.name;
}

function buildMeta(cls: Class): ClassMeta {
  const options = (Reflect.getOwnMetadata(OPTIONS_KEY, cls) ?? {}) as PagableOptions;
  const name = options.name ?? cls.name;
  const meta = {
    cls,
    id: nextId++,
    name,
    tag: tagOfClass(cls),
    fields: [] as FieldMeta[],
    restored: restoredHook(cls),
    asSchema: undefined as unknown as ClassSchema,
    rest: undefined as ClassMeta['rest'],
  };
  meta.asSchema = Object.freeze({ k: 'class', cls, meta }) as ClassSchema;
  // Ancestors first: a subclass's blob extends its base's positional layout. Field schemas are
  // resolved lazily: a thunk may name a class that is not yet initialized.
  const fields: FieldMeta[] = fieldDeclsOf(cls).map(({ decl, owner }) => lazyField(decl, owner, name));
  if (fields.length === 0) {
    // No pagable field decorators: store what class-transformer would serialize, so a class
    // annotated for it (or not annotated at all) works with nothing but @Pagable() added.
    const ct = classTransformerLayout(ancestryOf(cls));
    for (const f of ct.fields) fields.push(ctField(f, cls, name));
    if (ct.rest) meta.rest = { known: new Set(fields.map((f) => f.name)), excluded: ct.excluded };
  }
  meta.fields = fields;
  return meta;
}

type MutableFieldMeta = { -readonly [K in keyof FieldMeta]: FieldMeta[K] };

const NO_ALIASES: readonly string[] = Object.freeze([]);

/** A FieldMeta from class-transformer metadata (schema resolved on first read, as for decorators). */
function ctField(f: CtField, owner: Class, className: string): FieldMeta {
  const where = `${className}.${f.name}`;
  const typeKnown =
    f.union !== undefined ||
    f.type !== undefined ||
    typeof Reflect.getMetadata('design:type', owner.prototype as object, f.name) === 'function';
  const out = { name: f.name, kind: 'field', owner, aliases: NO_ALIASES, typeKnown } as MutableFieldMeta;
  Object.defineProperty(out, 'schema', {
    configurable: true,
    enumerable: true,
    get() {
      let schema: Schema;
      if (f.union !== undefined) {
        const byName = new Map<string, Class>();
        const byClass = new Map<Class, string>();
        for (const u of f.union) {
          byName.set(u.name, u.cls);
          byClass.set(u.cls, u.name);
        }
        schema = { k: 'union', byName, byClass };
        if (f.isArray) schema = { k: 'array', of: schema };
      } else if (f.type !== undefined) {
        const t = f.type;
        const decl: FieldDecl = {
          name: f.name,
          kind: 'field',
          type: () => (f.isArray ? [t()] : t()),
          designType: undefined,
          aliases: NO_ALIASES,
        };
        schema = resolveSchema(decl, where);
      } else {
        schema = fromDesignType(Reflect.getMetadata('design:type', owner.prototype as object, f.name));
      }
      Object.defineProperty(out, 'schema', { value: schema, enumerable: true });
      return schema;
    },
  });
  return out;
}

function restoredHook(cls: Class): ((obj: object) => void) | undefined {
  const stat = (cls as unknown as { pagableRestored?: unknown }).pagableRestored;
  const inst = (cls.prototype as { afterPageIn?: unknown }).afterPageIn;
  if (typeof stat !== 'function' && typeof inst !== 'function') return undefined;
  return (obj: object) => {
    if (typeof stat === 'function') (stat as (o: object) => void).call(cls, obj);
    if (typeof inst === 'function') (inst as () => void).call(obj);
  };
}

/** A FieldMeta whose `schema` resolves on first read and is then cached on the object. */
function lazyField(decl: FieldDecl, owner: Class, className: string): FieldMeta {
  const typeKnown = decl.type !== undefined || typeof decl.designType === 'function';
  const f = { name: decl.name, kind: decl.kind, owner, aliases: decl.aliases, typeKnown } as MutableFieldMeta;
  if (decl.default !== undefined) f.default = decl.default;
  if (decl.migrate !== undefined) f.migrate = decl.migrate;
  Object.defineProperty(f, 'schema', {
    configurable: true,
    enumerable: true,
    get() {
      const schema = resolveSchema(decl, `${className}.${decl.name}`);
      Object.defineProperty(f, 'schema', { value: schema, enumerable: true });
      return schema;
    },
  });
  return f;
}

/** Resolves a field declaration into the schema the codec walks. */
export function resolveSchema(decl: FieldDecl, where: string): Schema {
  let spec: TypeSpec | undefined;
  if (decl.type !== undefined) {
    try {
      spec = decl.type();
    } catch (e) {
      throw new PagableError('NOT_PAGABLE', `${where}: its type thunk threw (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
    if (spec === undefined || spec === null) {
      throw new PagableError('NOT_PAGABLE', `${where}: its type thunk returned ${String(spec)} (a circular import?)`);
    }
  }
  switch (decl.kind) {
    case 'field':
      if (decl.codec !== undefined) return withFieldCodec(fieldCodec(decl.codec), spec, decl.designType, where);
      if (spec === undefined) return fromDesignType(decl.designType);
      return wrapArrays(spec, where, rootOf);
    case 'shared':
      if (spec === undefined) throw new PagableError('NOT_PAGABLE', `${where}: @Shared needs a type, e.g. @Shared(() => Node)`);
      return wrapArrays(spec, where, (c) => ({ k: 'shared', root: rootOf(c) }));
    case 'lazy':
      if (spec === undefined) throw new PagableError('NOT_PAGABLE', `${where}: @Lazy needs a type, e.g. @Lazy(() => Node)`);
      return wrapArrays(spec, where, (c) => ({ k: 'lazy', root: rootOf(c) }));
    case 'dyn':
      if (spec === undefined) return { k: 'dyn', base: undefined };
      return wrapArrays(spec, where, (c) => ({ k: 'dyn', base: c === Object ? undefined : c }));
  }
}

function wrapArrays(spec: TypeSpec, where: string, leaf: (c: Class) => Schema): Schema {
  let depth = 0;
  let s: TypeSpec = spec;
  while (Array.isArray(s)) {
    if (s.length !== 1) throw new PagableError('NOT_PAGABLE', `${where}: an array type is written [X] with exactly one element type`);
    s = (s as readonly [TypeSpec])[0];
    depth++;
    if (depth > 32) throw new PagableError('LIMIT', `${where}: array type nested deeper than 32`);
  }
  if (typeof s !== 'function') throw new PagableError('NOT_PAGABLE', `${where}: the type must be a class or [X], got ${String(s)}`);
  let out = leaf(s as Class);
  for (let i = 0; i < depth; i++) out = { k: 'array', of: out };
  return out;
}

/**
 * A field with its own codec: `() => [X]` applies it to each element; the declared class (from
 * the thunk or `design:type`) is what values must be, unless it is Object (`unknown`, a union).
 */
function withFieldCodec(codec: CodecEntry, spec: TypeSpec | undefined, designType: unknown, where: string): Schema {
  const leaf = (c: unknown): CodecSchema => ({
    k: 'codec',
    cls: typeof c === 'function' && c !== Object ? (c as Class) : undefined,
    codec,
  });
  return spec === undefined ? leaf(designType) : wrapArrays(spec, where, leaf);
}

const codecSchemas = new WeakMap<CodecEntry, CodecSchema>();
/** Classes declared somewhere as classes that are neither @Pagable nor codec'd (abstract bases). */
const declaredPlainClasses = new WeakSet<Class>();

/** The schema of a value declared as class `c`: native types are plain data. */
export function rootOf(c: Class): RootSchema {
  if (NATIVE_TYPES.has(c)) return anyOf(c);
  const meta = getClassMeta(c);
  if (meta) return meta.asSchema;
  const codec = codecOfClass(c);
  if (codec !== undefined) {
    // One object per class: roots are compared by identity (an arc's written root and a field's).
    let s = codecSchemas.get(codec);
    if (s === undefined) codecSchemas.set(codec, (s = Object.freeze({ k: 'codec', cls: c, codec })));
    return s;
  }
  declaredPlainClasses.add(c);
  return { k: 'class', cls: c, meta: undefined };
}

/**
 * True when a field or load has declared `c` before it had a codec: that schema is resolved once
 * and kept, so a codec registered now would not be used for it.
 */
export function declaredWithoutCodec(c: Class): boolean {
  return declaredPlainClasses.has(c);
}

function fromDesignType(t: unknown): Schema {
  if (typeof t !== 'function') return ANY;
  return rootOf(t as Class);
}
