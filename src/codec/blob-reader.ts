import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import { type ClassMeta, type FieldMeta, getClassMeta } from '../metadata/class-meta.js';
import { type CodecEntry, codecForName } from '../metadata/codec-registry.js';
import type { CodecSchema, RootSchema, Schema } from '../metadata/schema.js';
import { classForTag } from '../metadata/tag-registry.js';
import type { Class } from '../metadata/type-spec.js';
import { type ClassReader, type InstanceSource, entryCache, fastReader, readerFor } from './class-readers.js';
import { decodeThrough } from './codec-calls.js';
import type { DecodeContext } from './decode-context.js';
import { MsgpackReader } from './msgpack-reader.js';
import type { TypeDesc } from './schema-parser.js';
import type { SchemaSet } from './schema-set.js';
import { C1_BYTE, ESC_CLASS, Esc, TYPED_ARRAYS } from './wire.js';
import { bigintTextFits, classFits } from './wire-rules.js';

/*
 * Reading the values of one data blob straight into instances (no plain-object tree in between):
 * the msgpack reader plus what our format adds: instances (positional, or escapes naming their
 * class in the blob's schema set), the other escapes of plain data, arc placeholders resolved
 * through the decode context. Instances are created without running constructors, and only for
 * classes that are registered and allowed where they appear; values stored through a codec are
 * decoded by it (the field's, or the one registered under the name they carry). Reading another
 * version of a class (conversion, skipping) is the decoder's part (decoder.ts).
 */

/** What `nil()` returns when the next value is neither nil nor undefined. */
export const NOT_NIL: unique symbol = Symbol('not nil');

/** Reads a data blob's values; BlobDecoder adds the entry points and reading other class versions. */
export abstract class BlobReader extends MsgpackReader implements InstanceSource {
  /** @internal A plain value for a field declared with a built-in type: checked against it (decoder.ts). */
  abstract nat(s: Schema, meta: ClassMeta, field: string): unknown;
  /** The blob's schema set. */
  protected set: SchemaSet | undefined;
  protected arcs: readonly DataKey[] = [];
  /**
   * The child keys as bytes (16 each from `keysAt`), when the blob was read in place (RecordBlob);
   * `arcs` is not used then.
   */
  protected keyBytes: Uint8Array | undefined = undefined;
  protected keysAt = 0;
  protected cursor = 0;
  /** Placeholders take children 0 .. arcEnd - 1; child arcEnd is the schema set. */
  protected arcEnd = 0;
  /**
   * True while the blob being read holds every class exactly as this process writes it: encoding
   * the value read gives the same blob again (re-save without re-work relies on it).
   */
  exact = true;

  constructor(protected readonly ctx: DecodeContext) {
    super();
  }

  abstract conv(w: TypeDesc, f: FieldMeta, meta: ClassMeta, holder: object, slot: string | number): unknown;
  abstract byDefault(f: FieldMeta, meta: ClassMeta): unknown;
  abstract skip(w: TypeDesc): void;
  abstract skipAny(): void;

  // ---- instances --------------------------------------------------------------------------------

  protected root(cls: Class, meta: ClassMeta | undefined): unknown {
    const n = this.arrayHeader();
    if (n > 0 && this.peek() === C1_BYTE) {
      this.pos++;
      return this.escaped(n - 1, cls, undefined);
    }
    const e = this.set!.classes[0];
    if (n < 0 || e === undefined || e.tag !== undefined) {
      throw new PagableError('TYPE_MISMATCH', `${this.where}: stored plain data, declared ${cls.name}`);
    }
    if (meta === undefined) {
      throw new PagableError(
        'NOT_PAGABLE',
        `${this.where}: stored an untagged ${e.name}, and ${cls.name} is not @Pagable; tag the stored classes or load through the concrete class`,
      );
    }
    return this.build(readerFor(this.set!, 0, meta, this.where), n);
  }

  /** Runs `r` on an instance array of `n` values. */
  protected build(r: ClassReader, n: number): object {
    if (n !== r.n) throw this.corrupt(`a ${r.meta.name} of ${n} values where its schema has ${r.n}`);
    if (!r.exact) this.exact = false;
    this.enter();
    const obj = r.read(this);
    if (r.meta.restored !== undefined) this.ctx.restored(obj, r.meta);
    this.depth--;
    return obj;
  }

  /**
   * An instance escape after its 0xC1 (`rest` values left: the kind, then the fields, or a name
   * and the fields), of a class that must be `base` or a subclass (any tagged class when undefined).
   */
  private escaped(rest: number, base: Class | undefined, union: Schema | undefined): unknown {
    if (rest < 1) throw this.corrupt('an empty escape');
    const kind = this.uint('an escape kind');
    if (kind >= ESC_CLASS) return this.build(this.tagged(kind - ESC_CLASS, base), rest - 1);
    if (kind === Esc.Codec) return this.named(rest - 1, base, undefined, undefined);
    const name = kind === Esc.Instance && rest >= 2 ? this.maybeString() : undefined;
    if (name === undefined) throw this.corrupt(`expected an instance${base ? ' of ' + base.name : ''}`);
    {
      if (union === undefined || union.k !== 'union')
        throw this.corrupt(`a discriminator name "${name.slice(0, 60)}" outside a discriminated field`);
      const cls = union.byName.get(name);
      if (cls === undefined)
        throw new PagableError(
          'UNKNOWN_TAG',
          `${this.where}: "${name.slice(0, 100)}" is not one of the discriminator's subtypes (${[...union.byName.keys()].join(', ')})`,
        );
      const m = getClassMeta(cls);
      if (m === undefined) throw new PagableError('NOT_PAGABLE', `${this.where}: class ${cls.name} is not @Pagable`);
      return this.build(fastReader(m), rest - 2);
    }
  }

  /**
   * A value carrying its codec's name, after its kind ([C1, Esc.Codec, name, encoding]: `rest`
   * values left), of a class that must be `base` or a subclass when given. `own` is the declared
   * field's codec, found by its name before registered ones; `at` names the field in messages.
   */
  protected named(rest: number, base: Class | undefined, own: CodecEntry | undefined, at: (() => string) | undefined): unknown {
    const name = rest === 2 ? this.maybeString() : undefined;
    if (name === undefined) throw this.corrupt('a malformed codec value');
    const c = own !== undefined && own.name === name ? own : codecForName(name);
    const where = at ?? (() => this.where);
    if (c === undefined) {
      throw new PagableError(
        'UNKNOWN_TAG',
        `${where()}: codec "${name.slice(0, 100)}" is not registered by any loaded class (is the module calling registerCodec imported?)`,
      );
    }
    if (base !== undefined && c.cls !== undefined && !classFits(c.cls, base)) {
      throw new PagableError('TYPE_MISMATCH', `${where()}: found a ${c.cls.name} (codec "${c.name}") where ${base.name} is expected`);
    }
    this.enter();
    const plain = this.value();
    this.depth--;
    return decodeThrough(c, plain, c.cls ?? base, where);
  }

  /** @internal A field declared through a codec: its encoding, or a value named by its codec or tag. */
  codec(s: Schema, meta: ClassMeta | undefined, field: string): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const c = s as CodecSchema;
    const where = (): string => (meta === undefined ? this.where : `${this.where}: ${meta.name}.${field}`);
    const at = this.pos;
    const n = this.arrayHeader();
    if (n >= 2 && this.src[this.pos] === C1_BYTE) {
      this.pos++;
      const kind = this.uint('an escape kind');
      if (kind === Esc.Codec) return this.named(n - 2, c.cls, c.codec, where);
      if (kind >= ESC_CLASS && c.codec.cls !== undefined) return this.build(this.tagged(kind - ESC_CLASS, c.cls), n - 2);
    }
    // Its encoding: plain data (escapes of plain data included).
    this.pos = at;
    return decodeThrough(c.codec, this.value(), c.cls, where);
  }

  /** The reader for set class `index` written with its tag, checked against `base`. */
  private tagged(index: number, base: Class | undefined): ClassReader {
    const e = this.set!.classes[index];
    if (e === undefined) throw this.corrupt(`class index ${index} is not in its schema set`);
    const c = entryCache(e);
    if (c.base === base && c.escape !== undefined) return c.escape;
    if (e.tag === undefined) throw this.corrupt(`an untagged ${e.name} written as polymorphic`);
    const cls = classForTag(e.tag);
    if (cls === undefined) {
      throw new PagableError(
        'UNKNOWN_TAG',
        `${this.where}: type tag "${e.tag.slice(0, 100)}" is not registered by any loaded class (is the module declaring it imported?)`,
      );
    }
    if (base !== undefined && !classFits(cls, base)) {
      throw new PagableError('TYPE_MISMATCH', `${this.where}: found a ${cls.name} (tag "${e.tag}") where ${base.name} is expected`);
    }
    const meta = getClassMeta(cls);
    if (meta === undefined) throw new PagableError('NOT_PAGABLE', `${this.where}: class ${cls.name} is not @Pagable`);
    const r = readerFor(this.set!, index, meta, this.where);
    c.base = base;
    c.escape = r;
    return r;
  }

  /** nil (null), undefined, or NOT_NIL with nothing consumed. */
  protected nil(): unknown {
    const b = this.src[this.pos];
    return this.nullish() ? (b === 0xc0 ? null : undefined) : NOT_NIL;
  }

  /** @internal A field declared as a class: positional when exactly that class, an escape otherwise. */
  cls(s: Schema): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const c = s as Schema & { k: 'class' };
    const n = this.arrayHeader();
    if (n < 0) throw this.corrupt(`expected a ${c.cls.name}`);
    if (n > 0 && this.src[this.pos] === C1_BYTE) {
      this.pos++;
      return this.escaped(n - 1, c.cls, undefined);
    }
    if (c.meta === undefined) throw this.corrupt(`an untagged value of non-@Pagable ${c.cls.name}`);
    return this.build(fastReader(c.meta), n);
  }

  /** @internal A @Dyn field: always an escape. */
  dyn(s: Schema): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const n = this.arrayHeader();
    if (n < 1 || this.src[this.pos] !== C1_BYTE) throw this.corrupt('expected a tagged value');
    this.pos++;
    return this.escaped(n - 1, (s as Schema & { k: 'dyn' }).base, undefined);
  }

  /** @internal A class-transformer discriminated field. */
  union(s: Schema): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const n = this.arrayHeader();
    if (n < 1 || this.src[this.pos] !== C1_BYTE) throw this.corrupt('expected a discriminated value');
    this.pos++;
    return this.escaped(n - 1, undefined, s);
  }

  /** @internal An array field of element schema `s.of`. */
  arr(s: Schema, holder: object, slot: string | number): unknown {
    void holder;
    void slot;
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const n = this.arrayHeader();
    if (n < 0 || (n > 0 && this.src[this.pos] === C1_BYTE)) throw this.corrupt('expected an array');
    const of = (s as Schema & { k: 'array' }).of;
    this.enter();
    const a = new Array<unknown>(n);
    if (of.k === 'class') for (let i = 0; i < n; i++) a[i] = this.cls(of);
    else if (of.k === 'shared') for (let i = 0; i < n; i++) a[i] = this.shared(of, a, i);
    else for (let i = 0; i < n; i++) a[i] = this.val(of, a, i);
    this.depth--;
    return a;
  }

  /** @internal An array field of a built-in type (arrays of it included): every element checked against it. */
  natArr(s: Schema, meta: ClassMeta, field: string): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    const n = this.arrayHeader();
    if (n < 0 || (n > 0 && this.src[this.pos] === C1_BYTE)) throw this.corrupt(`${meta.name}.${field}: expected an array`);
    const of = (s as Schema & { k: 'array' }).of;
    this.enter();
    const a = new Array<unknown>(n);
    if (of.k === 'array') for (let i = 0; i < n; i++) a[i] = this.natArr(of, meta, field);
    else if (of.k === 'codec') for (let i = 0; i < n; i++) a[i] = this.codec(of, meta, field);
    else for (let i = 0; i < n; i++) a[i] = this.nat(of, meta, field);
    this.depth--;
    return a;
  }

  private val(s: Schema, holder: object, slot: string | number): unknown {
    switch (s.k) {
      case 'any':
        return this.value();
      case 'class':
        return this.cls(s);
      case 'array':
        return this.arr(s, holder, slot);
      case 'dyn':
        return this.dyn(s);
      case 'union':
        return this.union(s);
      case 'shared':
        return this.shared(s, holder, slot);
      case 'lazy':
        return this.lazy(s);
      case 'codec':
        return this.codec(s, undefined, String(slot));
    }
  }

  /** The index of the next child key, for a placeholder. */
  protected placeholder(): number {
    if (this.u8() !== 0) throw this.corrupt('expected an arc placeholder');
    if (this.cursor >= this.arcEnd) throw this.corrupt('refers to more child keys than it lists');
    return this.cursor++;
  }

  /** @Shared child `i` as declared by `root` (see DecodeContext.shared), from its bytes where it was read in place. */
  protected sharedChild(i: number, root: RootSchema, holder: object, slot: string | number): unknown {
    const kb = this.keyBytes;
    return kb === undefined
      ? this.ctx.shared(this.arcs[i]!, root, holder, slot)
      : this.ctx.sharedAt(kb, this.keysAt + 16 * i, root, holder, slot);
  }

  /** A PagedOut arc on child `i`, as declared by `root` (from its bytes where it was read in place). */
  protected lazyChild(i: number, root: RootSchema): unknown {
    const kb = this.keyBytes;
    return kb === undefined ? this.ctx.lazy(this.arcs[i]!, root) : this.ctx.lazyAt(kb, this.keysAt + 16 * i, root);
  }

  /** @internal A @Shared field: a placeholder whose child the context restores (now or at the end). */
  shared(s: Schema, holder: object, slot: string | number): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    return this.sharedChild(this.placeholder(), (s as Schema & { k: 'shared' }).root, holder, slot);
  }

  /** @internal A @Lazy field: a PagedOut arc on the child. */
  lazy(s: Schema): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    return this.lazyChild(this.placeholder(), (s as Schema & { k: 'lazy' }).root);
  }

  /** @internal The trailing record of a class laid out from class-transformer metadata. */
  restInto(obj: object, meta: ClassMeta): void {
    const known = meta.rest!.known;
    this.otherPropertiesInto(obj, meta.name, (k) => known.has(k));
  }

  /** A record of other properties (nil: none) into `obj`, but keys `keep` names (fields); defined, not assigned. */
  protected otherPropertiesInto(obj: object, name: string, keep: (k: string) => boolean): void {
    const extra = this.value();
    if (extra === undefined || extra === null) return;
    if (typeof extra !== 'object' || Array.isArray(extra) || extra instanceof Map || extra instanceof Set) {
      throw this.corrupt(`${name}: its other properties are not a record`);
    }
    for (const k of Object.keys(extra)) {
      if (keep(k)) continue;
      Object.defineProperty(obj, k, { value: (extra as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
  }

  // ---- plain data -------------------------------------------------------------------------------

  /** Escapes in plain data (after the 0xC1; `rest` values left). */
  protected override escape(rest: number): unknown {
    if (rest < 1) throw this.corrupt('an empty escape');
    const kind = this.uint('an escape kind');
    rest--;
    if (kind >= ESC_CLASS) return this.build(this.tagged(kind - ESC_CLASS, undefined), rest);
    switch (kind) {
      case Esc.Codec:
        return this.named(rest, undefined, undefined, undefined);
      case Esc.Map: {
        if (rest % 2 !== 0) throw this.corrupt('a Map with an odd number of entries');
        this.enter();
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < rest; i += 2) m.set(this.repeatedValue(), this.value());
        this.depth--;
        return m;
      }
      case Esc.Set: {
        this.enter();
        const s = new Set<unknown>();
        for (let i = 0; i < rest; i++) s.add(this.repeatedValue());
        this.depth--;
        return s;
      }
      case Esc.NegZero:
        if (rest !== 0) throw this.corrupt('a malformed -0');
        return -0;
      case Esc.BigInt: {
        const t = rest === 1 ? this.maybeString() : undefined;
        if (t === undefined || !bigintTextFits(t)) throw this.corrupt('a malformed bigint');
        return BigInt(t);
      }
      case Esc.Object:
      case Esc.NullObject: {
        if (rest % 2 !== 0) throw this.corrupt('an object with an odd number of entries');
        this.enter();
        const o = (kind === Esc.Object ? {} : Object.create(null)) as Record<string, unknown>;
        for (let i = 0; i < rest; i += 2) {
          const k = this.maybeString();
          if (k === undefined) throw this.corrupt('an object key that is not a string');
          // Definition, not assignment: `__proto__` becomes an own data property.
          Object.defineProperty(o, k, { value: this.value(), writable: true, enumerable: true, configurable: true });
        }
        this.depth--;
        return o;
      }
      case Esc.Typed: {
        const T = rest === 2 ? TYPED_ARRAYS[this.uint('a typed array kind')] : undefined;
        const bytes = T === undefined ? undefined : this.value();
        if (T === undefined || !(bytes instanceof Uint8Array) || bytes.length % T.BYTES_PER_ELEMENT !== 0)
          throw this.corrupt('a malformed typed array');
        // `bytes` is a fresh, aligned copy.
        return new T(bytes.buffer as ArrayBuffer, 0, bytes.length / T.BYTES_PER_ELEMENT);
      }
      default:
        throw this.corrupt(`unknown escape kind ${typeof kind === 'number' ? kind : `(a ${kind === null ? 'null' : typeof kind})`}`);
    }
  }
}
