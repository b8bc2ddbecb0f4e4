import type { DataKey, PagableData } from '../keys/data.js';
import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import { type RootSchema, type Schema, describeSchema } from '../metadata/schema.js';
import { classForTag } from '../metadata/tag-registry.js';
import type { Class } from '../metadata/type-spec.js';
import { slotLine } from './class-readers.js';
import { decodeThrough } from './codec-calls.js';
import type { DecodeContext } from './decode-context.js';
import { C1, Esc, TYPED_ARRAYS, readTagHeader, unpackBody } from './wire.js';
import { MAX_INLINE_DEPTH, bigintTextFits, checkedNative, classFits, kindOf, nativeFits } from './wire-rules.js';

/**
 * Reads schemaless blobs: those written before schema evolution (no 0xC1 first byte), which carry no
 * writer schema. Instances are positional against the reader's class, exactly as that format was
 * always read (a class that gained trailing fields reads them as undefined). The bytes go through
 * msgpackr, then instances are built from its tree. Instances are created with
 * `Object.create(prototype)` (no constructor runs) and only for classes that are registered and
 * allowed where they appear. Plain-object keys from the data become own data properties, never
 * prototype writes. Hostile input yields a value or a PagableError: nesting is bounded, and so is
 * the number of values visited (msgpackr can express shared references, which could otherwise
 * make a small blob huge).
 */

/** Creates an instance (no constructor runs) and sets its stored fields from a positional array. */
type FieldDecoder = (arr: unknown[], start: number, dec: SchemalessDecoder) => object;

const fieldDecoders = new WeakMap<ClassMeta, FieldDecoder>();

/**
 * Generates a class's field decoder once: constant property names make every store named and
 * monomorphic, and instances of one class share one hidden class. Field names come from the
 * decorators, never from data. A blob written before the class gained trailing fields simply
 * lacks them: they read as undefined.
 */
function compileFieldDecoder(meta: ClassMeta): FieldDecoder {
  const schemas = meta.fields.map((f) => f.schema);
  const lines: string[] = [];
  meta.fields.forEach((f, i) => {
    const key = JSON.stringify(f.name);
    lines.push(`r = arr[start + ${i}];`);
    const sc = schemas[i]!;
    if (checkedNative(sc)) lines.push(`obj[${key}] = dec.nat(r, S[${i}], M, ${key});`);
    else if (sc.k === 'any') lines.push(`obj[${key}] = (typeof r !== 'object' || r === null) ? r : dec.any(r);`);
    else lines.push(`obj[${key}] = (r === undefined || r === null) ? r : dec.value(r, S[${i}], M, obj, ${key});`);
  });
  if (meta.rest !== undefined) lines.push(`dec.restInto(obj, arr[start + ${schemas.length}], M);`);
  // A field named `__proto__` is an own property before anything is assigned to it.
  const own = meta.fields.some((f) => f.name === '__proto__') ? slotLine('obj', '__proto__') : '';
  const body = `return function decodeFields(arr, start, dec) {\nconst obj = Object.create(P); let r;\n${own}\n${lines.join('\n')}\nreturn obj;\n};`;
  return new Function('S', 'M', 'P', body)(schemas, meta, meta.cls.prototype) as FieldDecoder;
}

/** Decodes schemaless blobs; one per page-in (it keeps no state between `decode` calls). */
export class SchemalessDecoder {
  private arcs: DataKey[] = [];
  private cursor = 0;
  private budget = 0;
  private depth = 0;
  private where = '';

  constructor(private readonly ctx: DecodeContext) {}

  /** Forgets the last blob read (its keys); the decoder can be used again. */
  release(): void {
    this.arcs = [];
    this.cursor = this.budget = this.depth = 0;
  }

  /** The value of `blob`, read with layout `root`; `key` names it in messages. */
  decode(blob: PagableData, root: RootSchema, key: DataKey | undefined): unknown {
    const where = (this.where = key === undefined ? 'blob' : `blob ${key}`);
    this.arcs = blob.arcs;
    this.cursor = 0;
    this.depth = 0;
    const data = blob.data;
    // Every value costs at least one byte unless msgpackr's reference extensions repeat it.
    this.budget = 16 + data.length * 2;
    const header = readTagHeader(data, where);
    let value: unknown;
    if (header !== undefined && !(root.k === 'any' && header.offset === data.length)) {
      const meta = this.tagged(header.tag, root.k === 'class' ? root.cls : undefined);
      const body = unpackBody(data.subarray(header.offset), where);
      if (!Array.isArray(body)) throw this.corrupt(`the body of a ${meta.name} is not an array`);
      value = this.fields(body, 0, meta);
    } else if (root.k === 'class') {
      if (header !== undefined) throw this.corrupt(`expected a ${root.cls.name}, found the string "${header.tag.slice(0, 60)}"`);
      const meta = root.meta;
      if (meta === undefined) {
        throw new PagableError(
          'NOT_PAGABLE',
          `${where}: untagged, and ${root.cls.name} is not @Pagable; tag the stored classes or load through the concrete class`,
        );
      }
      const body = unpackBody(data, where);
      if (!Array.isArray(body)) throw this.corrupt(`the body of a ${meta.name} is not an array`);
      value = this.fields(body, 0, meta);
    } else {
      value = this.any(unpackBody(data, where));
    }
    if (this.cursor !== this.arcs.length) {
      throw this.corrupt(`it lists ${this.arcs.length} child keys but refers to ${this.cursor}`);
    }
    return value;
  }

  private corrupt(msg: string): PagableError {
    return new PagableError('CORRUPT', `${this.where}: ${msg}`);
  }

  /** The metadata for `tag`, checked against the class expected there. */
  private tagged(tag: unknown, base: Class | undefined): ClassMeta {
    if (typeof tag !== 'string') throw this.corrupt('a type tag is not a string');
    // Memoized per (tag, expected class): tagged values repeat, and the checks below do not change.
    const hit = this.tags.get(tag);
    if (hit !== undefined && hit.base === base) return hit.meta;
    const meta = this.resolveTag(tag, base);
    this.tags.set(tag, { base, meta });
    return meta;
  }

  private readonly tags = new Map<string, { base: Class | undefined; meta: ClassMeta }>();

  private resolveTag(tag: string, base: Class | undefined): ClassMeta {
    const cls = classForTag(tag);
    if (cls === undefined) {
      throw new PagableError(
        'UNKNOWN_TAG',
        `${this.where}: type tag "${tag.slice(0, 100)}" is not registered by any loaded class (is the module declaring it imported?)`,
      );
    }
    if (base !== undefined && !classFits(cls, base)) {
      throw new PagableError('TYPE_MISMATCH', `${this.where}: found a ${cls.name} (tag "${tag}") where ${base.name} is expected`);
    }
    const meta = getClassMeta(cls);
    if (meta === undefined) throw new PagableError('NOT_PAGABLE', `${this.where}: class ${cls.name} is not @Pagable`);
    return meta;
  }

  private tick(): void {
    if (--this.budget < 0) throw this.corrupt('it expands to more values than its size allows');
  }

  private fields(arr: unknown[], start: number, meta: ClassMeta): object {
    if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
    this.tick();
    let dec = fieldDecoders.get(meta);
    if (dec === undefined) fieldDecoders.set(meta, (dec = compileFieldDecoder(meta)));
    const obj = dec(arr, start, this);
    if (meta.restored !== undefined) this.ctx.restored(obj, meta);
    this.depth--;
    return obj;
  }

  /** @internal Restores the trailing record of a class laid out from class-transformer metadata. */
  restInto(obj: object, raw: unknown, meta: ClassMeta): void {
    if (raw === undefined || raw === null) return;
    const extra = this.any(raw);
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra) || extra instanceof Map || extra instanceof Set) {
      throw this.corrupt(`${meta.name}: its other properties are not a record`);
    }
    const known = meta.rest!.known;
    for (const k of Object.keys(extra)) {
      // Declared fields are never overwritten from this record; keys are defined, not assigned.
      if (known.has(k)) continue;
      Object.defineProperty(obj, k, { value: (extra as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
  }

  /**
   * @internal A field value with schema `s` (called by the generated field decoders); `field` names
   * the field inside arrays, where `slot` is an index.
   */
  value(raw: unknown, s: Schema, meta: ClassMeta, holder: object, slot: string | number, field = String(slot)): unknown {
    if (raw === undefined || raw === null) return raw;
    switch (s.k) {
      case 'any':
        // Elements of an array of a built-in type are checked as a field of that type is.
        return checkedNative(s) ? this.nat(raw, s, meta, field) : this.any(raw);
      case 'class': {
        if (!Array.isArray(raw)) throw this.corrupt(`${meta.name}.${String(slot)}: expected a ${s.cls.name}`);
        if (raw[0] === C1) {
          if (raw[1] !== Esc.Instance) throw this.corrupt(`${meta.name}.${String(slot)}: expected a ${s.cls.name}`);
          return this.fields(raw, 3, this.tagged(raw[2], s.cls));
        }
        if (s.meta === undefined) throw this.corrupt(`${meta.name}.${String(slot)}: an untagged value of non-@Pagable ${s.cls.name}`);
        return this.fields(raw, 0, s.meta);
      }
      case 'array': {
        if (!Array.isArray(raw) || raw[0] === C1) throw this.corrupt(`${meta.name}.${String(slot)}: expected an array`);
        this.tick();
        // Decoded arrays are fresh: fill in place.
        for (let i = 0; i < raw.length; i++) raw[i] = this.value(raw[i], s.of, meta, raw, i, field);
        return raw;
      }
      case 'dyn': {
        if (!Array.isArray(raw) || raw[0] !== C1 || raw[1] !== Esc.Instance)
          throw this.corrupt(`${meta.name}.${String(slot)}: expected a tagged value`);
        return this.fields(raw, 3, this.tagged(raw[2], s.base));
      }
      case 'union': {
        if (!Array.isArray(raw) || raw[0] !== C1 || raw[1] !== Esc.Instance || typeof raw[2] !== 'string') {
          throw this.corrupt(`${meta.name}.${String(slot)}: expected a discriminated value`);
        }
        const cls = s.byName.get(raw[2]);
        if (cls === undefined) {
          throw new PagableError(
            'UNKNOWN_TAG',
            `${this.where}: ${meta.name}.${String(slot)}: "${raw[2].slice(0, 100)}" is not one of the discriminator's subtypes (${[...s.byName.keys()].join(', ')})`,
          );
        }
        const vm = getClassMeta(cls);
        if (vm === undefined) throw new PagableError('NOT_PAGABLE', `${this.where}: class ${cls.name} is not @Pagable`);
        return this.fields(raw, 3, vm);
      }
      case 'codec':
        // Written before codecs were: whatever plain data was stored there is what the codec decodes.
        return decodeThrough(s.codec, this.any(raw), s.cls, () => `${this.where}: ${meta.name}.${field}`);
      case 'shared':
      case 'lazy': {
        if (raw !== 0) throw this.corrupt(`${meta.name}.${String(slot)}: expected an arc placeholder`);
        if (this.cursor >= this.arcs.length) throw this.corrupt(`${meta.name}.${String(slot)}: refers to more child keys than it lists`);
        const key = this.arcs[this.cursor++]!;
        return s.k === 'shared' ? this.ctx.shared(key, s.root, holder, slot) : this.ctx.lazy(key, s.root);
      }
    }
  }

  /** @internal A field declared with a built-in type: its value, TYPE_MISMATCH when of another kind. */
  nat(raw: unknown, s: Schema, meta: ClassMeta, field: string): unknown {
    const v = typeof raw !== 'object' || raw === null ? raw : this.any(raw);
    const native = s.k === 'any' ? s.native : undefined;
    if (v === null || v === undefined || native === undefined || nativeFits(v, native)) return v;
    throw new PagableError('TYPE_MISMATCH', `${this.where}: ${meta.name}.${field}: stored ${kindOf(v)}, declared ${describeSchema(s)}`);
  }

  /** @internal Plain data (called by the generated field decoders). */
  any(x: unknown): unknown {
    if (typeof x !== 'object' || x === null) return x;
    this.tick();
    if (Array.isArray(x)) {
      if (x[0] === C1) return this.escape(x);
      if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
      for (let i = 0; i < x.length; i++) x[i] = this.any(x[i]);
      this.depth--;
      return x;
    }
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype) {
      if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
      const o = x as Record<string, unknown>;
      // msgpackr built this object by assignment of own keys (renaming `__proto__`): rewriting an
      // existing own data property in place cannot reach a prototype.
      for (const k of Object.keys(o)) {
        const v = o[k];
        if (typeof v === 'object' && v !== null) o[k] = this.any(v);
      }
      this.depth--;
      return o;
    }
    if (x instanceof Date && proto === Date.prototype) return x;
    if (x instanceof Uint8Array) return new Uint8Array(x); // own, exactly sized, not a Buffer view
    if (x === C1) throw this.corrupt('a stray C1 byte');
    // Anything else (msgpackr's Error, RegExp, typed-array extensions...) was never written by us.
    throw this.corrupt(`unexpected ${(x as object).constructor?.name ?? 'object'} in plain data`);
  }

  private escape(x: unknown[]): unknown {
    const kind = x[1];
    switch (kind) {
      case Esc.Instance:
        return this.fields(x, 3, this.tagged(x[2], undefined));
      case Esc.Map: {
        if (x.length % 2 !== 0) throw this.corrupt('a Map with an odd number of entries');
        if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
        const m = new Map<unknown, unknown>();
        for (let i = 2; i < x.length; i += 2) m.set(this.any(x[i]), this.any(x[i + 1]));
        this.depth--;
        return m;
      }
      case Esc.Set: {
        if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
        const s = new Set<unknown>();
        for (let i = 2; i < x.length; i++) s.add(this.any(x[i]));
        this.depth--;
        return s;
      }
      case Esc.NegZero:
        return -0;
      case Esc.BigInt: {
        const t = x[2];
        if (typeof t !== 'string' || !bigintTextFits(t)) throw this.corrupt('a malformed bigint');
        return BigInt(t);
      }
      case Esc.Object:
      case Esc.NullObject: {
        if (x.length % 2 !== 0) throw this.corrupt('an object with an odd number of entries');
        if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
        const o = (kind === Esc.Object ? {} : Object.create(null)) as Record<string, unknown>;
        for (let i = 2; i < x.length; i += 2) {
          const k = x[i];
          if (typeof k !== 'string') throw this.corrupt('an object key that is not a string');
          // Definition, not assignment: `__proto__` becomes an own data property.
          Object.defineProperty(o, k, { value: this.any(x[i + 1]), writable: true, enumerable: true, configurable: true });
        }
        this.depth--;
        return o;
      }
      case Esc.Typed: {
        const T = typeof x[2] === 'number' ? TYPED_ARRAYS[x[2]] : undefined;
        const bytes = x[3];
        if (T === undefined || !(bytes instanceof Uint8Array) || bytes.length % T.BYTES_PER_ELEMENT !== 0)
          throw this.corrupt('a malformed typed array');
        // Copy into a fresh buffer: the source may be unaligned for multi-byte elements.
        const buf = new ArrayBuffer(bytes.length);
        new Uint8Array(buf).set(bytes);
        return new T(buf);
      }
      default:
        throw this.corrupt(`unknown escape kind ${typeof kind === 'number' ? kind : `(a ${kind === null ? 'null' : typeof kind})`}`);
    }
  }
}
