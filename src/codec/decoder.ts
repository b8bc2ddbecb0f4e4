import { type DataKey, type PagableData, keyFromBytes } from '../keys/data.js';
import { RecordBlob, lastChildKey } from '../keys/record-blob.js';
import { PagableError } from '../error.js';
import { type ClassMeta, type FieldMeta, getClassMeta } from '../metadata/class-meta.js';
import { codecForName } from '../metadata/codec-registry.js';
import { ANY, type CodecSchema, type RootSchema, type Schema, describeSchema } from '../metadata/schema.js';
import { classForTag } from '../metadata/tag-registry.js';
import type { Class } from '../metadata/type-spec.js';
import { NOT_NIL } from './blob-reader.js';
import { readerFor } from './class-readers.js';
import type { DecodeContext } from './decode-context.js';
import { SchemalessDecoder } from './schemaless-decoder.js';
import { blobSchemaSet } from './schema-cache.js';
import type { TypeDesc } from './schema-parser.js';
import { type SchemaSet, describeType } from './schema-set.js';
import { C1_BYTE, ESC_CLASS, Esc, blobFormat, blobFormatAt } from './wire.js';
import { classFits, kindOf, nativeFits } from './wire-rules.js';
import { UntypedReader } from './untyped-reader.js';

/*
 * Turns one blob back into values, reading msgpack straight into instances (blob-reader.ts). Arc
 * placeholders are resolved through the context, which owns I/O and identity.
 *
 * Each data blob names its writer's schema set. A stored class that reads exactly as the reader's
 * class is read by the class's fast reader (no per-field name work); another version of it by a
 * resolving reader (class-readers.ts) whose mismatched fields go through `conv` below: each
 * stored value is checked against the reader's declared type, TYPE_MISMATCH naming class, field,
 * stored type and declared type when it cannot be that type. Never a value in the wrong field.
 * A field with a `migrate` is given the stored value instead (read by its stored type alone:
 * untyped-reader.ts), and what it returns is checked the same way; a field the stored schema
 * lacks takes its `default`.
 *
 * Schemaless blobs (no schema) go to SchemalessDecoder, positional against the reader's class as always.
 */

export type { DecodeContext } from './decode-context.js';

/** The key of the schema set data blob `blob` needs and this process lacks; undefined when it has it (or none is needed). */
export function missingSchemaSet(blob: PagableData): DataKey | undefined {
  const fmt = blob instanceof RecordBlob ? blobFormatAt(blob.keyBytes, blob.dataAt, blob.dataLength) : blobFormat(blob.data);
  if (fmt !== 'data' || blobSchemaSet(blob) !== undefined) return undefined;
  return lastChildKey(blob);
}

/** Decodes blobs; one per page-in (it keeps no state between `decode` calls). */
export class BlobDecoder extends UntypedReader {
  private schemaless: SchemalessDecoder | undefined = undefined;

  constructor(ctx: DecodeContext) {
    super(ctx);
  }

  /**
   * The value of `blob`, read as `root`; `key`, or the key at `keyBytes[keyAt, keyAt + 16)`, names
   * it in messages (made only for a message). A data blob's schema set must be in the process
   * cache (the page-in engine fetches it first: see `missingSchemaSet`).
   */
  decode(blob: PagableData, root: RootSchema, key: DataKey | undefined, keyBytes?: Uint8Array, keyAt = 0): unknown {
    const where = keyBytes !== undefined ? undefined : key === undefined ? 'blob' : `blob ${key}`;
    // A blob read in place is read where it lies (no view of its data made).
    const inPlace = blob instanceof RecordBlob;
    const bytes = inPlace ? blob.keyBytes : blob.data;
    const at = inPlace ? blob.dataAt : 0;
    const length = inPlace ? blob.dataLength : bytes.length;
    const fmt = blobFormatAt(bytes, at, length);
    // A schemaless blob is written in another format than this process's: never the same bytes again.
    this.exact = fmt !== 'schemaless';
    if (fmt === 'schemaless')
      return (this.schemaless ??= new SchemalessDecoder(this.ctx)).decode(blob, root, key ?? (keyBytes && keyFromBytes(keyBytes, keyAt)));
    this.reset(bytes, at + 1, where, keyBytes, keyAt, at + length);
    if (fmt === 'schema') throw new PagableError('CORRUPT', `${this.where}: is a schema blob, not data`);
    this.set = this.setOf(blob, this);
    if (inPlace) {
      this.keyBytes = blob.keyBytes;
      this.keysAt = blob.keysAt;
      this.arcEnd = blob.children - 1;
    } else {
      this.keyBytes = undefined;
      this.arcs = blob.arcs;
      this.arcEnd = blob.arcs.length - 1;
    }
    this.cursor = 0;
    const value = root.k === 'class' ? this.root(root.cls, root.meta) : this.value();
    // A class root is built as that class; a built-in or codec root is read as what it holds, so it is checked.
    if (root.k !== 'class' && value !== null && value !== undefined && !this.fitsValue(value, root)) {
      throw new PagableError('TYPE_MISMATCH', `${this.where}: stored ${kindOf(value)}, declared ${describeSchema(root)}`);
    }
    if (!this.atEnd) throw this.corrupt('trailing bytes after the value');
    if (this.cursor !== this.arcEnd) throw this.corrupt(`it lists ${this.arcEnd} child keys but refers to ${this.cursor}`);
    this.set = undefined;
    return value;
  }

  /** Forgets the last blob read (its bytes, keys and schema set); the decoder can be used again. */
  override release(): void {
    super.release();
    this.arcs = [];
    this.keyBytes = undefined;
    this.arcEnd = this.cursor = 0;
    this.set = undefined;
    this.schemaless?.release();
  }

  private setOf(blob: PagableData, named: { readonly where: string }): SchemaSet {
    const set = blobSchemaSet(blob);
    if (set !== undefined) return set;
    const k = lastChildKey(blob);
    if (k === undefined) throw new PagableError('CORRUPT', `${named.where}: a data blob without its schema set key`);
    throw new PagableError('CORRUPT', `${named.where}: its schema set ${k} was not loaded`);
  }

  // ---- another version of a class: conversion and skipping -------------------------------------

  private mismatch(meta: ClassMeta, field: string, stored: string, declared: Schema): PagableError {
    return new PagableError(
      'TYPE_MISMATCH',
      `${this.where}: ${meta.name}.${field}: stored ${stored}, declared ${describeSchema(declared)}`,
    );
  }

  /**
   * @internal Reads a value stored with type `w` into reader field `f` (declared differently).
   * nil and undefined fit every declared type; anything else must be what `f` declares.
   */
  conv(w: TypeDesc, f: FieldMeta, meta: ClassMeta, holder: object, slot: string | number): unknown {
    if (f.migrate === undefined) return this.convTo(w, f.schema, meta, f.name, holder, slot);
    const { pos, cursor, depth } = this;
    try {
      return this.convTo(w, f.schema, meta, f.name, holder, slot);
    } catch (e) {
      if (!PagableError.is(e, 'TYPE_MISMATCH') && !PagableError.is(e, 'UNKNOWN_TAG')) throw e;
      // Read the stored value again, by its stored type alone, for the field's migrate.
      this.pos = pos;
      this.cursor = cursor;
      this.depth = depth;
      return this.migrated(f, meta, this.untyped(w, `${meta.name}.${f.name}`));
    }
  }

  /** What `f.migrate` makes of `stored`, checked against the declared type. */
  private migrated(f: FieldMeta, meta: ClassMeta, stored: unknown): unknown {
    let v: unknown;
    try {
      v = f.migrate!(stored);
    } catch (e) {
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new PagableError(
        'TYPE_MISMATCH',
        `${this.where}: ${meta.name}.${f.name}: its migrate threw ${why} (given a stored ${kindOf(stored)})`,
        {
          cause: e,
        },
      );
    }
    if (v === null || v === undefined || this.fitsValue(v, f.schema)) return v;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${this.where}: ${meta.name}.${f.name}: its migrate returned ${kindOf(v)}, declared ${describeSchema(f.schema)}`,
    );
  }

  /** @internal The default of field `f`, which the stored schema lacks, checked against its declared type. */
  byDefault(f: FieldMeta, meta: ClassMeta): unknown {
    let v: unknown;
    try {
      v = f.default!();
    } catch (e) {
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new PagableError('INVALID_ARGUMENT', `${this.where}: ${meta.name}.${f.name}: its default threw ${why}`, { cause: e });
    }
    const s = f.schema;
    if (v === null || v === undefined || s.k === 'shared' || s.k === 'lazy' || this.fitsValue(v, s)) return v;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${this.where}: ${meta.name}.${f.name}: its default returned ${kindOf(v)}, declared ${describeSchema(s)}`,
    );
  }

  private convTo(w: TypeDesc, r: Schema, meta: ClassMeta, field: string, holder: object, slot: string | number): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    switch (w.t) {
      case 'plain':
        return this.fit(this.value(), r, meta, field);
      case 'array': {
        const n = this.arrayHeader();
        if (n < 0 || (n > 0 && this.src[this.pos] === C1_BYTE)) throw this.corrupt(`${meta.name}.${field}: expected an array`);
        const of = r.k === 'array' ? r.of : r.k === 'any' && (r.native === undefined || r.native === Array) ? ANY : undefined;
        if (of === undefined) throw this.mismatch(meta, field, describeType(w, this.set), r);
        this.enter();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.convTo(w.of, of, meta, field, a, i);
        this.depth--;
        return a;
      }
      case 'shared':
      case 'lazy': {
        if (r.k !== 'shared' && r.k !== 'lazy') throw this.mismatch(meta, field, describeType(w, this.set), r);
        const i = this.placeholder();
        return r.k === 'shared' ? this.sharedChild(i, r.root, holder, slot) : this.lazyChild(i, r.root);
      }
      case 'codec': {
        // Decoded by the codec its name is registered for (or the declared one of that name).
        const own = r.k === 'codec' ? r.codec : undefined;
        if (own?.name !== w.name && codecForName(w.name) === undefined) {
          throw new PagableError(
            'UNKNOWN_TAG',
            `${this.where}: ${meta.name}.${field}: codec "${w.name.slice(0, 100)}" is not registered by any loaded class`,
          );
        }
        const schema: CodecSchema =
          own?.name === w.name ? (r as CodecSchema) : { k: 'codec', cls: undefined, codec: codecForName(w.name)! };
        return this.fit(this.codec(schema, meta, field), r, meta, field);
      }
      default:
        return this.convInstance(w, r, meta, field);
    }
  }

  /** An instance stored with type `w` (a class, dyn, union or abstract base) where `r` is declared. */
  private convInstance(w: TypeDesc, r: Schema, meta: ClassMeta, field: string): unknown {
    const set = this.set!;
    const n = this.arrayHeader();
    if (n < 0) throw this.corrupt(`${meta.name}.${field}: expected an instance`);
    let index: number;
    let name: string | undefined;
    let rest = n;
    if (n > 1 && this.src[this.pos] === C1_BYTE) {
      this.pos++;
      const kind = this.uint('an escape kind');
      if (kind >= ESC_CLASS) {
        index = kind - ESC_CLASS;
        rest = n - 2;
      } else {
        name = kind === Esc.Instance && n >= 3 ? this.maybeString() : undefined;
        const i = name !== undefined && w.t === 'union' ? w.members.get(name) : undefined;
        if (i === undefined) throw this.corrupt(`${meta.name}.${field}: expected an instance`);
        index = i;
        rest = n - 3;
      }
    } else if (w.t === 'class') {
      index = w.index;
    } else {
      throw this.corrupt(`${meta.name}.${field}: expected a polymorphic value`);
    }
    const e = set.classes[index];
    if (e === undefined) throw this.corrupt(`class index ${index} is not in its schema set`);
    const stored = e.tag ?? e.name;
    let target: ClassMeta | undefined;
    if (r.k === 'union' && name !== undefined && r.byName.has(name)) {
      target = getClassMeta(r.byName.get(name)!);
    } else if (e.tag !== undefined) {
      const cls = classForTag(e.tag);
      if (cls === undefined)
        throw new PagableError(
          'UNKNOWN_TAG',
          `${this.where}: ${meta.name}.${field}: type tag "${e.tag.slice(0, 100)}" is not registered by any loaded class`,
        );
      const ok =
        r.k === 'class'
          ? classFits(cls, r.cls)
          : r.k === 'dyn'
            ? r.base === undefined || classFits(cls, r.base)
            : r.k === 'union'
              ? r.byClass.has(cls)
              : r.k === 'any' && r.native === undefined;
      if (!ok) throw this.mismatch(meta, field, stored, r);
      target = getClassMeta(cls);
    } else if (r.k === 'class' && r.meta !== undefined && name === undefined) {
      target = r.meta;
    }
    if (target === undefined) throw this.mismatch(meta, field, `an untagged ${stored}`, r);
    return this.build(readerFor(set, index, target, { where: `${this.where}: ${meta.name}.${field}` }), rest);
  }

  /** @internal A plain value for a field declared with a built-in type, checked against it. */
  nat(s: Schema, meta: ClassMeta, field: string): unknown {
    return this.fit(this.value(), s, meta, field);
  }

  /** A plain value where `r` is declared: itself when it can be that, TYPE_MISMATCH otherwise. */
  private fit(v: unknown, r: Schema, meta: ClassMeta, field: string): unknown {
    if (v === null || v === undefined || this.fitsValue(v, r)) return v;
    throw this.mismatch(meta, field, kindOf(v), r);
  }

  private fitsValue(v: unknown, r: Schema): boolean {
    switch (r.k) {
      case 'any':
        return r.native === undefined || nativeFits(v, r.native);
      case 'class':
        return v instanceof r.cls;
      case 'dyn':
        return (
          typeof v === 'object' &&
          getClassMeta((v as object).constructor as Class)?.tag !== undefined &&
          (r.base === undefined || v instanceof r.base)
        );
      case 'union':
        return typeof v === 'object' && r.byClass.has((v as object).constructor as Class);
      case 'array':
        return Array.isArray(v) && v.every((x) => x === null || x === undefined || this.fitsValue(x, r.of));
      case 'codec':
        return r.cls === undefined || nativeFits(v, r.cls);
      default:
        return false;
    }
  }

  /** @internal Consumes a value stored with type `w` that no reader field wants (its child keys included). */
  skip(w: TypeDesc): void {
    if (this.nil() !== NOT_NIL) return;
    switch (w.t) {
      case 'plain':
        return this.skipAny();
      case 'array': {
        const n = this.arrayHeader();
        if (n < 0) throw this.corrupt('expected an array');
        this.enter();
        for (let i = 0; i < n; i++) this.skip(w.of);
        this.depth--;
        return;
      }
      case 'shared':
      case 'lazy':
        this.placeholder();
        return;
      case 'codec':
        return this.skipAny();
      default: {
        const n = this.arrayHeader();
        if (n < 0) throw this.corrupt('expected an instance');
        if (n > 0 && this.src[this.pos] === C1_BYTE) {
          this.pos++;
          return this.skipEscape(n - 1, w.t === 'union' ? w.members : undefined);
        }
        if (w.t !== 'class') throw this.corrupt('expected a polymorphic value');
        return this.skipFields(w.index, n);
      }
    }
  }

  private skipFields(index: number, n: number): void {
    const e = this.set!.classes[index];
    if (e === undefined) throw this.corrupt(`class index ${index} is not in its schema set`);
    if (n !== e.fields.length + (e.rest ? 1 : 0)) throw this.corrupt(`a ${e.name} of ${n} values where its schema has ${e.fields.length}`);
    this.enter();
    for (const f of e.fields) this.skip(f.type);
    if (e.rest) this.skipAny();
    this.depth--;
  }

  private skipEscape(rest: number, members: ReadonlyMap<string, number> | undefined): void {
    if (rest < 1) throw this.corrupt('an empty escape');
    const kind = this.uint('an escape kind');
    if (kind >= ESC_CLASS) return this.skipFields(kind - ESC_CLASS, rest - 1);
    if (kind === Esc.Instance) {
      const name = rest >= 2 ? this.maybeString() : undefined;
      const index = name === undefined ? undefined : members?.get(name);
      if (index === undefined) throw this.corrupt('an unknown discriminator name');
      return this.skipFields(index, rest - 2);
    }
    this.enter();
    for (let i = 1; i < rest; i++) this.skipAny();
    this.depth--;
  }

  /** @internal Consumes a plain value, with the child keys of any instance inside it. */
  skipAny(): void {
    const n = this.arrayHeader();
    if (n >= 0) {
      if (n > 0 && this.src[this.pos] === C1_BYTE) {
        this.pos++;
        return this.skipEscape(n - 1, undefined);
      }
      this.enter();
      for (let i = 0; i < n; i++) this.skipAny();
      this.depth--;
      return;
    }
    const m = this.mapHeader();
    if (m >= 0) {
      this.enter();
      for (let i = 0; i < m; i++) {
        this.skipValue();
        this.skipAny();
      }
      this.depth--;
      return;
    }
    this.skipValue();
  }
}
