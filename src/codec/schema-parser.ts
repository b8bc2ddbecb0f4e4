import type { DataKey, PagableData } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { FieldKind } from '../metadata/type-spec.js';
import { MsgpackReader } from './msgpack-reader.js';
import { C1_BYTE } from './wire.js';
import { MAX_CLASSES, MAX_FIELDS, MAX_TYPE_DEPTH, classSchemaProblem } from './wire-rules.js';

/*
 * Schema blobs are read back from stores, where they may be damaged or written by someone hostile,
 * so their parsing lives apart from their building (schema-set.ts, which also documents the
 * layout): every read here checks shape and bounds, and a blob that fails is CORRUPT, naming its
 * key. The descriptions a parse yields are defined here too, so reading never needs the building
 * code.
 */

/** A declared type as the writer recorded it. */
export type TypeDesc =
  | { readonly t: 'plain'; readonly native: string }
  | { readonly t: 'class'; readonly index: number }
  | { readonly t: 'abstract'; readonly name: string }
  | { readonly t: 'array'; readonly of: TypeDesc }
  | { readonly t: 'dyn'; readonly base: string | undefined }
  | { readonly t: 'union'; readonly members: ReadonlyMap<string, number> }
  | CodecDesc
  | { readonly t: 'shared' | 'lazy'; readonly root: RootDesc };

/** Values stored through the codec of this name. */
export interface CodecDesc {
  readonly t: 'codec';
  readonly name: string;
}

/** The declared class of a @Shared / @Lazy child (its own blob has its own schema). */
export type RootDesc =
  | { readonly t: 'plain'; readonly native: string }
  | { readonly t: 'ref'; readonly name: string; readonly tag: string | undefined }
  | CodecDesc;

/** One stored field of a writer class. */
export interface SchemaField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: TypeDesc;
}

/** A class blob, parsed: its inline class references are positions in its closure (0: itself). */
export interface ClassDesc {
  readonly tag: string | undefined;
  readonly name: string;
  readonly fields: readonly SchemaField[];
  /** A class-transformer layout: a record of its other own properties follows the fields. */
  readonly rest: boolean;
}

/** The third byte of a schema blob: what it holds. */
export const enum SchemaBlobKind {
  Set = 1,
  Class = 2,
}

/** Field kinds, by the number a class blob stores for them. */
export const FIELD_KINDS: readonly FieldKind[] = ['field', 'shared', 'lazy', 'dyn'];

class Parser extends MsgpackReader {
  fail(msg: string): PagableError {
    return this.corrupt(`malformed schema blob: ${msg}`);
  }

  type(depth: number): TypeDesc {
    if (depth > MAX_TYPE_DEPTH) throw this.fail('types nested too deeply');
    const s = this.maybeString();
    if (s !== undefined) return { t: 'plain', native: s };
    const n = this.arrayHeader();
    if (n < 0) return { t: 'class', index: this.uint('a type') };
    if (n !== 2) throw this.fail('a type of the wrong shape');
    const k = this.uint('a type kind');
    switch (k) {
      case 0:
        return { t: 'array', of: this.type(depth + 1) };
      case 1:
        return { t: 'abstract', name: this.string('a class name') };
      case 2:
        return { t: 'dyn', base: this.nullish() ? undefined : this.string('a class name') };
      case 3: {
        const m = this.arrayHeader();
        if (m < 0 || m % 2 !== 0) throw this.fail('a discriminator of the wrong shape');
        const members = new Map<string, number>();
        for (let i = 0; i < m; i += 2) {
          const name = this.string('a subtype name');
          if (members.has(name)) throw this.fail(`a discriminator names subtype "${name.slice(0, 100)}" twice`);
          members.set(name, this.uint('a class index'));
        }
        return { t: 'union', members };
      }
      case 4:
      case 5:
        return { t: k === 4 ? 'shared' : 'lazy', root: this.root() };
      case 7:
        return { t: 'codec', name: this.string('a codec name') };
      default:
        throw this.fail(`unknown type kind ${k}`);
    }
  }

  root(): RootDesc {
    const s = this.maybeString();
    if (s !== undefined) return { t: 'plain', native: s };
    const n = this.arrayHeader();
    const k = n === 2 || n === 3 ? this.uint('a root kind') : -1;
    if (n === 2 && k === 7) return { t: 'codec', name: this.string('a codec name') };
    if (n !== 3 || k !== 6) throw this.fail('a child type of the wrong shape');
    const name = this.string('a class name');
    const tag = this.nullish() ? undefined : this.string('a tag');
    return { t: 'ref', name, tag };
  }

  field(): SchemaField {
    if (this.arrayHeader() !== 3) throw this.fail('a field of the wrong shape');
    const name = this.string('a field name');
    const kind = FIELD_KINDS[this.uint('a field kind')];
    if (kind === undefined) throw this.fail(`field ${name}: unknown kind`);
    return { name, kind, type: this.type(0) };
  }

  cls(): ClassDesc {
    if (this.arrayHeader() !== 4) throw this.fail('a class of the wrong shape');
    const tag = this.nullish() ? undefined : this.string('a tag');
    const name = this.string('a class name');
    const n = this.arrayHeader();
    if (n < 0 || n > MAX_FIELDS) throw this.fail(`${name}: fields are not a list of at most ${MAX_FIELDS}`);
    const fields: SchemaField[] = [];
    for (let i = 0; i < n; i++) fields.push(this.field());
    // One value per name: a repeated field would silently take one of its values.
    const problem = classSchemaProblem(
      name,
      tag,
      fields.map((f) => f.name),
    );
    if (problem !== undefined) throw this.fail(`${name.slice(0, 100)}: ${problem.why}`);
    const b = this.u8();
    if (b !== 0xc2 && b !== 0xc3) throw this.fail(`${name}: rest is not a boolean`);
    return { tag, name, fields, rest: b === 0xc3 };
  }
}

/** A parser positioned after the 3-byte header of a schema blob of `kind`; CORRUPT otherwise. */
function parserFor(key: DataKey, blob: PagableData, kind: SchemaBlobKind): Parser {
  const what = kind === SchemaBlobKind.Set ? 'schema set' : 'class schema';
  const where = `${what} ${key}`;
  const d = blob.data;
  if (d[0] !== C1_BYTE || d[1] !== C1_BYTE) throw new PagableError('CORRUPT', `${where}: not a schema blob`);
  if (d[2] !== kind)
    throw new PagableError('CORRUPT', `${where}: not a ${what} (schema blob kind ${String(d[2])}; written by a newer pagable?)`);
  if (kind === SchemaBlobKind.Class && blob.arcs.length !== 0)
    throw new PagableError('CORRUPT', `${where}: a class schema has no children`);
  const p = new Parser();
  p.reset(d, 3, where);
  return p;
}

/** Parses a class blob stored under `key`; CORRUPT (naming the key) when it is not one. */
export function parseClassBlob(key: DataKey, blob: PagableData): ClassDesc {
  const p = parserFor(key, blob, SchemaBlobKind.Class);
  const c = p.cls();
  if (!p.atEnd) throw p.fail('trailing bytes');
  return c;
}

/** Parses a set blob: for each child (class) key, the set indices of its closure positions 1, 2, ... */
export function parseSetBlob(key: DataKey, blob: PagableData): number[][] {
  const p = parserFor(key, blob, SchemaBlobKind.Set);
  const n = p.arrayHeader();
  if (n < 0 || n > MAX_CLASSES || n !== blob.arcs.length) throw p.fail('not one list of class positions per child');
  const maps: number[][] = [];
  for (let i = 0; i < n; i++) {
    const m = p.arrayHeader();
    if (m < 0) throw p.fail('class positions are not a list');
    const map: number[] = [];
    for (let j = 0; j < m; j++) {
      const x = p.uint('a class index');
      if (x >= n) throw p.fail(`class index ${x} out of range`);
      map.push(x);
    }
    maps.push(map);
  }
  if (!p.atEnd) throw p.fail('trailing bytes');
  return maps;
}
