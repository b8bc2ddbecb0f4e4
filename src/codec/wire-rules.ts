import type { AnySchema, Schema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';

/*
 * What a blob may hold: the rules the reader enforces on every blob it reads, which the writer
 * checks first on every value it writes, with these same functions and constants, so that a value
 * the writer accepts always reads back (README "What is accepted is given back"). A value that
 * breaks a rule is refused on write (TYPE_MISMATCH, LIMIT, NOT_PAGABLE naming class and field),
 * and the same bytes are refused on read (TYPE_MISMATCH, CORRUPT).
 *
 * Every check the reader makes, and where the writer makes it first:
 *
 *   reader                                                    writer
 *   kinds of values
 *   - a field declared with a built-in type (design:type      field-writers.ts (typeof, for String /
 *     String, () => Date, Map, a typed array...) holds that    Number / Boolean) and encoder.ts `value`
 *     kind, nil or undefined: `nativeFits` (decoder.ts `nat`,  ('any': `nativeFits`); array elements go
 *     `fit`; schemaless-decoder.ts `nat`)                          through `value` too
 *   - so do the elements of an array of a built-in type       encoder.ts `value` ('array' → 'any')
 *     (blob-reader.ts `arr`; schemaless-decoder.ts `value`)
 *   - an instance where a class is declared is that class,    encoder.ts `checkInstance` (`classFits`
 *     positional, or a tagged class that `classFits` it        on the class it writes)
 *     (blob-reader.ts `cls`, `tagged`; decoder.ts
 *     `convInstance`)
 *   - a @Dyn value is tagged and `classFits` its base         encoder.ts `value` ('dyn')
 *     (blob-reader.ts `dyn`, `tagged`)
 *   - a discriminated value is one of its subtypes, by name   encoder.ts `value` ('union')
 *     (blob-reader.ts `union`, `escaped`)
 *   - an instance escape names a tagged class whose tag is    encoder.ts: an escape is written only for
 *     registered (blob-reader.ts `tagged`); an untagged        a tagged class (`checkInstance`, 'dyn',
 *     instance is positional where its exact class is          plain-encoder.ts `any`); an untagged root
 *     declared (blob-reader.ts `root`, `cls`)                  only where its class is declared (`encode`)
 *   - arc fields hold a placeholder taking the next child     encoder.ts `value` ('shared': an object,
 *     key (blob-reader.ts `placeholder`, `shared`, `lazy`);    of the declared class; 'lazy': a
 *     a child's root is of its declared class                  PagableArc); paging/page-out.ts
 *     (blob-reader.ts `root`)                                  `checkLayout` for arcs stored before
 *   - a blob is read as the root its field declares; one     encoder.ts `checkRoot`, called by
 *     object or arc reached through fields of two types is     paging/page-out.ts for every further
 *     stored once (blob-reader.ts `root`; decoder.ts `decode`) reference (`again`, `checkLayout`)
 *   - the trailing record of a class-transformer layout is    encoder.ts `rest`: always a record
 *     a record (blob-reader.ts `restInto`)                     (or undefined)
 *   sizes
 *   - inline nesting: at most MAX_INLINE_DEPTH levels, one    plain-encoder.ts `enter` (plain arrays,
 *     per instance, array (plain or a typed field's), plain    objects, Maps, Sets), encoder.ts `fields`
 *     object, Map and Set (msgpack-cursor.ts `enter`, from     (instances) and `value` ('array'): the
 *     msgpack-reader.ts `array`, `map`, blob-reader.ts         same containers, so both count the same
 *     `build`, `arr`, `escape`)
 *   - a bigint's decimal text: `bigintTextFits`, at most      plain-encoder.ts `any` (bigints outside
 *     MAX_BIGINT_CHARS characters (blob-reader.ts `escape`;    64 bits)
 *     schemaless-decoder.ts `escape`)
 *   - lengths are msgpack's 32-bit ones (msgpack-cursor.ts    plain-encoder.ts `any`: `bytesFit` for
 *     headers; every length checked against the bytes left)   Uint8Array and typed arrays; a string
 *                                                              (< 2^29 units), an array (< 2^32) or a
 *                                                              Map or Set (< 2^24) cannot be longer
 *   schemas (schema-parser.ts)
 *   - a class has at most MAX_FIELDS fields, with distinct    schema-set.ts `classBlobOf`:
 *     string names; a discriminator's subtype names are        `classSchemaProblem`, and `typeTree` for
 *     distinct; tags and class names are strings               names of types and of subtypes (each
 *     (`classSchemaProblem`)                                   naming one class); field names are distinct
 *                                                              by construction (metadata/field-records.ts
 *                                                              keeps one field per name)
 *   - a set has at most MAX_CLASSES classes                   schema-set.ts `buildSchemaSet`
 *   - types nest at most MAX_TYPE_DEPTH deep                  metadata/class-meta.ts refuses array types
 *                                                              nested deeper than 32 when it resolves them
 *   field names
 *   - fields are set as own properties, `__proto__`            field-writers.ts reads `__proto__` as an
 *     included (class-readers.ts `slotLine`, also used by     own property only; metadata/field-records.ts
 *     schemaless-decoder.ts)                                       refuses a field named `constructor`, which
 *                                                              would hide the class of every instance
 *   by construction (the writer cannot produce anything else): the 0xC1 forms and escape kinds,
 *   string map and object keys, even entry counts of Maps and objects, typed-array kinds (written
 *   from TYPED_ARRAYS by constructor) and their byte lengths, the msgpack extensions (undefined,
 *   timestamps), exact WTF-8 strings (wtf8.ts decodes what msgpack-writer.ts encodes, which keeps
 *   room for a string's longest header), instance
 *   lengths matching their schema, child-key counts, no trailing bytes.
 *
 * Schemaless blobs (schemaless-decoder.ts) are read, never written; the rules above that apply to them
 * (kinds, nesting, bigints) are the same functions.
 */

/** Inline nesting deeper than this is refused (LIMIT when writing, CORRUPT when reading). */
export const MAX_INLINE_DEPTH = 1000;

/** A bigint outside 64 bits is stored as decimal text of at most this many characters (sign included). */
export const MAX_BIGINT_CHARS = 100_000;

/** The longest byte string msgpack can say (bin 32, str 32). */
export const MAX_BYTES = 0xffff_ffff;

/** Fields of one class in a schema. */
export const MAX_FIELDS = 10_000;

/** Classes in one schema set. */
export const MAX_CLASSES = 65536;

/** Nesting of one recorded type (arrays of arrays...). */
export const MAX_TYPE_DEPTH = 40;

/** What a plain value is, for messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'array';
  const p = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  return p === null || p === Object.prototype ? 'object' : (p.constructor?.name ?? 'object');
}

/** The element schema of a (nested) array schema; `s` itself otherwise. */
export function leafOf(s: Schema): Schema {
  while (s.k === 'array') s = s.of;
  return s;
}

/**
 * True for plain data declared with a built-in type other than Object (`unknown`, unions and
 * interfaces give Object): its values must be of that kind (`nativeFits`).
 */
export function checkedNative(s: Schema): s is AnySchema & { readonly native: Class } {
  return s.k === 'any' && s.native !== undefined && s.native !== Object;
}

/** A plain value (not nil or undefined, which fit everywhere) can be a field declared as built-in class `native`. */
export function nativeFits(v: unknown, native: Class): boolean {
  const n: unknown = native;
  if (n === String) return typeof v === 'string';
  if (n === Number) return typeof v === 'number';
  if (n === Boolean) return typeof v === 'boolean';
  if (n === BigInt) return typeof v === 'bigint';
  if (n === Array) return Array.isArray(v);
  // Object is what design:type says for `unknown`, unions and interfaces: anything fits.
  if (n === Symbol || n === Function || n === Object) return true;
  return v instanceof native;
}

/** True when class `cls` can stand where `base` is declared: itself or a subclass. */
export function classFits(cls: Class, base: Class): boolean {
  return cls === base || cls.prototype instanceof base;
}

const DECIMAL = /^-?[0-9]+$/;

/** True when `t` is the decimal text of a bigint the reader takes. */
export function bigintTextFits(t: string): boolean {
  return t.length <= MAX_BIGINT_CHARS && DECIMAL.test(t);
}

/** True when `n` bytes fit in one msgpack bin or str. */
export function bytesFit(n: number): boolean {
  return n <= MAX_BYTES;
}

/** Why a class schema cannot be read back (its error code on write, and what is wrong), or undefined. */
export function classSchemaProblem(
  name: unknown,
  tag: unknown,
  fieldNames: readonly unknown[],
): { code: 'LIMIT' | 'INVALID_ARGUMENT'; why: string } | undefined {
  if (typeof name !== 'string') return { code: 'INVALID_ARGUMENT', why: `its name is a ${typeof name}, not a string` };
  if (tag !== undefined && typeof tag !== 'string') return { code: 'INVALID_ARGUMENT', why: `its tag is a ${typeof tag}, not a string` };
  if (fieldNames.length > MAX_FIELDS)
    return { code: 'LIMIT', why: `${fieldNames.length} fields, more than a schema holds (${MAX_FIELDS})` };
  const seen = new Set<unknown>();
  for (const f of fieldNames) {
    if (typeof f !== 'string') return { code: 'INVALID_ARGUMENT', why: `a field name is a ${typeof f}, not a string` };
    if (seen.has(f)) return { code: 'INVALID_ARGUMENT', why: `field "${f.slice(0, 100)}" is named twice` };
    seen.add(f);
  }
  return undefined;
}
