import { type ClassMeta, getClassMeta, storedNameOf } from '../metadata/class-meta.js';
import { ANY, type Schema } from '../metadata/schema.js';
import { classForTag } from '../metadata/tag-registry.js';
import { codecForName } from '../metadata/codec-registry.js';
import type { Class } from '../metadata/type-spec.js';
import type { TypeDesc } from './schema-parser.js';
import type { SchemaSet } from './schema-set.js';
import { classFits } from './wire-rules.js';

/*
 * What reading a stored field into a declared one will do, decided from the two types alone,
 * before any blob is read (`pagable check`). It follows the decoder's rules (decoder.ts: `conv`,
 * `convInstance`, `fit`): null and undefined fit every declared type; a stored value is read
 * when it can be the declared type, and is TYPE_MISMATCH otherwise. Where that depends on the
 * values (plain data read as Number, a @Dyn value read as one subclass), the verdict says so.
 */

/** The verdict for a stored type read as a declared one. */
export type ReadVerdict =
  /** Every stored value reads. */
  | { readonly t: 'reads' }
  /** Some stored values may be TYPE_MISMATCH: it depends on what was stored. */
  | { readonly t: 'values' }
  /** Every stored value but null and undefined is TYPE_MISMATCH. */
  | { readonly t: 'mismatch' }
  /** Stored values name a tag no loaded class holds: UNKNOWN_TAG. */
  | { readonly t: 'unknown tag'; readonly tag: string };

const READS: ReadVerdict = { t: 'reads' };
const VALUES: ReadVerdict = { t: 'values' };
const MISMATCH: ReadVerdict = { t: 'mismatch' };

/** The built-in type a plain schema declares ('any' for plain data of any kind). */
function nativeName(r: Schema): string | undefined {
  if (r.k !== 'any') return undefined;
  return r.native === undefined || r.native === Object ? 'any' : r.native.name;
}

/**
 * Declared built-in types every stored plain value fits (wire-rules.ts `nativeFits`): plain data of
 * any kind, or a declared type no value can have (what design:type says for a symbol or a function).
 */
const UNCHECKED = new Set(['any', 'Object', 'Symbol', 'Function']);

/** A tagged instance of `cls` where `r` is declared (decoder.ts `convInstance`). */
function instanceFits(cls: Class, r: Schema): boolean {
  switch (r.k) {
    case 'class':
      return classFits(cls, r.cls);
    case 'dyn':
      return r.base === undefined || classFits(cls, r.base);
    case 'union':
      return r.byClass.has(cls);
    case 'any':
      return r.native === undefined;
    default:
      return false;
  }
}

/** A value of class `cls`, decoded by its codec, where `r` is declared (decoder.ts `fitsValue`). */
function valueFits(cls: Class, r: Schema): boolean {
  switch (r.k) {
    case 'any':
      return r.native === undefined || UNCHECKED.has(r.native.name) || classFits(cls, r.native);
    case 'class':
      return classFits(cls, r.cls);
    case 'dyn':
      return getClassMeta(cls)?.tag !== undefined && (r.base === undefined || classFits(cls, r.base));
    case 'union':
      return r.byClass.has(cls);
    case 'codec':
      return r.cls === undefined || classFits(cls, r.cls);
    default:
      return false;
  }
}

/** True when `r` declares (or lists) a subclass of `cls`: stored instances of that subclass fit. */
function subclassDeclared(cls: Class, r: Schema): boolean {
  const sub = (c: Class | undefined): boolean => c !== undefined && c.prototype instanceof cls;
  switch (r.k) {
    case 'class':
      return sub(r.cls);
    case 'dyn':
      return sub(r.base);
    case 'union':
      return [...r.byClass.keys()].some(sub);
    default:
      return false;
  }
}

/**
 * UNKNOWN_TAG when stored values name a class tag or a codec no loaded class has: the decoder
 * fails on that before it compares anything with the declared type.
 */
function unknownTag(w: TypeDesc, r: Schema, set: SchemaSet): ReadVerdict | undefined {
  if (w.t === 'class') {
    const tag = set.classes[w.index]?.tag;
    return tag !== undefined && classForTag(tag) === undefined ? { t: 'unknown tag', tag } : undefined;
  }
  if (w.t !== 'codec' || (r.k === 'codec' && r.codec.name === w.name)) return undefined;
  return codecForName(w.name) === undefined ? { t: 'unknown tag', tag: w.name } : undefined;
}

/** What reading values stored with type `w` (a type of `set`) into a field declared `r` does. */
export function readVerdict(w: TypeDesc, r: Schema, set: SchemaSet): ReadVerdict {
  if (w.t === 'shared' || w.t === 'lazy') return r.k === 'shared' || r.k === 'lazy' ? READS : MISMATCH;
  const unknown = unknownTag(w, r, set);
  if (unknown !== undefined) return unknown;
  if (r.k === 'shared' || r.k === 'lazy') return MISMATCH;
  switch (w.t) {
    case 'plain': {
      // A field codec's values are checked against the class declared with it.
      const declared = r.k === 'codec' ? (r.cls === undefined ? 'any' : r.cls.name) : nativeName(r);
      if (declared !== undefined && (UNCHECKED.has(declared) || declared === w.native)) return READS;
      if (UNCHECKED.has(w.native)) return VALUES;
      if (r.k === 'array' && w.native === 'Array') return nativeName(r.of) === 'any' ? READS : VALUES;
      return MISMATCH;
    }
    case 'array': {
      if (r.k === 'array') return readVerdict(w.of, r.of, set);
      const declared = nativeName(r);
      return declared === 'any' || declared === 'Array' ? readVerdict(w.of, ANY, set) : MISMATCH;
    }
    case 'class': {
      const e = set.classes[w.index];
      if (e === undefined) return MISMATCH;
      if (e.tag !== undefined) {
        const cls = classForTag(e.tag)!;
        // A field declared with a class also holds its subclasses, each written with its own.
        return instanceFits(cls, r) ? READS : subclassDeclared(cls, r) ? VALUES : MISMATCH;
      }
      // Untagged: read by the declared class, matched by name or by a field in common.
      if (r.k !== 'class' || r.meta === undefined) return MISMATCH;
      return e.name === r.meta.name || e.fields.length === 0 || sharesAField(e.fields, r.meta) ? READS : MISMATCH;
    }
    case 'codec':
      // Decoded by its own codec, or by the codec registered under its name and then checked.
      return (r.k === 'codec' && r.codec.name === w.name) || valueFits(codecForName(w.name)!.cls!, r) ? READS : MISMATCH;
    case 'dyn':
    case 'abstract': {
      // Values of tagged classes (instanceof the base named); which ones depends on what was stored.
      const base = w.t === 'dyn' ? w.base : w.name;
      if (r.k === 'any') return r.native === undefined ? READS : MISMATCH;
      if (r.k === 'dyn') return r.base === undefined || storedNameOf(r.base) === base ? READS : VALUES;
      if (r.k === 'class') return base !== undefined && storedNameOf(r.cls) === base ? READS : VALUES;
      return r.k === 'union' ? VALUES : MISMATCH;
    }
    case 'union':
      return r.k === 'array' ? MISMATCH : VALUES;
  }
}

/** A stored class shares a field name (or an alias) with `meta`: the reader takes it as a version. */
function sharesAField(fields: ReadonlyArray<{ readonly name: string }>, meta: ClassMeta): boolean {
  return fields.some((f) => meta.fields.some((m) => m.name === f.name || m.aliases.includes(f.name)));
}
