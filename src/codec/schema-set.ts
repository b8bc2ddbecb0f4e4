import type { DataKey, PagableData } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import type { RootSchema, Schema } from '../metadata/schema.js';
import type { FieldKind } from '../metadata/type-spec.js';
import { MsgpackReader } from './msgpack-reader.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { C1_BYTE, SCHEMA_SET_VERSION } from './wire.js';

/*
 * The writer's schema, recorded with the data: a schema-set blob lists the classes a data blob
 * uses (in first-use order), each with its tag or name and its stored fields (name, kind, declared
 * type). Data blobs refer to their set as their last child key, and to a class by its index in
 * the set. Sets are content-addressed blobs like any other, so gc, verify, copies between storages
 * and the CLI need no special case, and a set is stored once however many blobs use it.
 *
 * A class refers to the classes of its inline fields by index, so a set is closed: it holds, with
 * each class, every class its inline fields declare (recursive types included, which per-class
 * blobs naming each other by key could not express). A class's description therefore depends on
 * the set it is in, and classes are not separate blobs.
 *
 * Layout: 0xC1 0xC1 0x01, then msgpack [class, ...], where
 *   class = [tag | nil, name, [field, ...], rest: bool]   (rest: a class-transformer layout's trailing record)
 *   field = [name, kind (0 field, 1 shared, 2 lazy, 3 dyn), type]
 *   type  = "any" | a built-in class name ("String", "Number", "Map", ...)   plain data
 *         | n                            an inline @Pagable class: index n in the set
 *         | [0, type]                    array of
 *         | [1, name]                    a class that is not @Pagable (values always carry their class)
 *         | [2, base name | nil]         @Dyn
 *         | [3, [name, n, name, n ...]]  a class-transformer discriminator: subtype names and classes
 *         | [4, root] | [5, root]        @Shared | @Lazy; root = "any" / built-in name | [6, name, tag | nil]
 */

/** A declared type as the writer recorded it. */
export type TypeDesc =
  | { readonly t: 'plain'; readonly native: string }
  | { readonly t: 'class'; readonly index: number }
  | { readonly t: 'abstract'; readonly name: string }
  | { readonly t: 'array'; readonly of: TypeDesc }
  | { readonly t: 'dyn'; readonly base: string | undefined }
  | { readonly t: 'union'; readonly members: ReadonlyMap<string, number> }
  | { readonly t: 'shared' | 'lazy'; readonly root: RootDesc };

/** The declared class of a @Shared / @Lazy child (its own blob has its own schema). */
export type RootDesc = { readonly t: 'plain'; readonly native: string } | { readonly t: 'ref'; readonly name: string; readonly tag: string | undefined };

/** One stored field of a writer class. */
export interface SchemaField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: TypeDesc;
}

/** One class of a schema set, as its writer stored it. */
export interface SchemaClass {
  readonly tag: string | undefined;
  readonly name: string;
  readonly fields: readonly SchemaField[];
  /** A class-transformer layout: a record of its other own properties follows the fields. */
  readonly rest: boolean;
  /** This process's class when this process wrote the set (the decoder's fast path needs no comparison). */
  readonly own: ClassMeta | undefined;
  /** @internal The decoder's caches for this class (decoder.ts). */
  cache: unknown;
}

/** A schema-set blob, parsed. */
export interface SchemaSet {
  readonly key: DataKey;
  readonly blob: PagableData;
  readonly classes: readonly SchemaClass[];
}

const KINDS: readonly FieldKind[] = ['field', 'shared', 'lazy', 'dyn'];

/** Limits that keep a hostile schema blob's parse bounded. */
const MAX_CLASSES = 65536;
const MAX_TYPE_DEPTH = 40;

// ---- writing -----------------------------------------------------------------------------------

/** The name a plain-data schema is recorded under. */
function plainName(s: Schema & { k: 'any' }): string {
  return s.native === undefined ? 'any' : s.native.name;
}

function rootDesc(r: RootSchema): unknown {
  if (r.k === 'any') return plainName(r);
  return [6, r.meta?.name ?? r.cls.name, r.meta?.tag ?? null];
}

/** A schema as the msgpack tree of its type description; `index` numbers inline classes. */
function typeTree(s: Schema, index: (m: ClassMeta) => number): unknown {
  switch (s.k) {
    case 'any': return plainName(s);
    case 'class': return s.meta === undefined ? [1, s.cls.name] : index(s.meta);
    case 'array': return [0, typeTree(s.of, index)];
    case 'dyn': return [2, s.base?.name ?? null];
    case 'union': {
      const members: unknown[] = [];
      for (const [name, cls] of s.byName) {
        const m = getClassMeta(cls);
        if (m !== undefined) members.push(name, index(m));
      }
      return [3, members];
    }
    case 'shared': return [4, rootDesc(s.root)];
    case 'lazy': return [5, rootDesc(s.root)];
  }
}

/** The classes a value of schema `s` may need described alongside (inline classes, union subtypes). */
function inlineClasses(s: Schema, out: (m: ClassMeta) => void): void {
  switch (s.k) {
    case 'class': if (s.meta !== undefined) out(s.meta); return;
    case 'array': inlineClasses(s.of, out); return;
    case 'union':
      for (const cls of s.byName.values()) {
        const m = getClassMeta(cls);
        if (m !== undefined) out(m);
      }
      return;
    default: return;
  }
}

const closures = new WeakMap<ClassMeta, readonly ClassMeta[]>();

/**
 * `meta` and every class its inline fields declare, transitively, in depth-first order: what a
 * set must hold whenever it holds `meta`. Iterative (a chain of nested classes may be long).
 */
export function closureOf(meta: ClassMeta): readonly ClassMeta[] {
  let c = closures.get(meta);
  if (c !== undefined) return c;
  const out: ClassMeta[] = [];
  const seen = new Set<ClassMeta>();
  const stack: ClassMeta[] = [meta];
  while (stack.length > 0) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    out.push(m);
    const found: ClassMeta[] = [];
    for (const f of m.fields) inlineClasses(f.schema, (x) => { if (!seen.has(x)) found.push(x); });
    for (let i = found.length - 1; i >= 0; i--) stack.push(found[i]!);
  }
  closures.set(meta, (c = out));
  return c;
}

const setWriter = new MsgpackWriter();

/** Writes a msgpack tree of strings, numbers, booleans, nil and arrays. */
function writeTree(w: MsgpackWriter, v: unknown): void {
  if (typeof v === 'string') w.str(v);
  else if (typeof v === 'number') w.num(v);
  else if (typeof v === 'boolean') w.bool(v);
  else if (v === null || v === undefined) w.nil();
  else {
    const a = v as unknown[];
    w.array(a.length);
    for (const x of a) writeTree(w, x);
  }
}

/** Builds the schema set of `classes` (closed: every inline class of each is in the list). */
export function buildSchemaSet(classes: readonly ClassMeta[]): SchemaSet {
  const at = new Map<ClassMeta, number>();
  classes.forEach((m, i) => at.set(m, i));
  const index = (m: ClassMeta): number => {
    const i = at.get(m);
    if (i === undefined) throw new PagableError('NOT_PAGABLE', `${m.name}: missing from its schema set (internal error)`);
    return i;
  };
  const tree = classes.map((m) => [m.tag ?? null, m.name, m.fields.map((f) => [f.name, KINDS.indexOf(f.kind), typeTree(f.schema, index)]), m.rest !== undefined]);
  const w = setWriter;
  w.begin();
  w.raw(new Uint8Array([C1_BYTE, C1_BYTE, SCHEMA_SET_VERSION]));
  writeTree(w, tree);
  // Own copy: the writer's slab is reused, and a stored blob must never change.
  const blob: PagableData = { data: Uint8Array.from(w.finish()), arcs: Object.freeze([]) as unknown as DataKey[] };
  const key = computeKey(blob);
  return parseSchemaSet(key, blob, classes);
}

// ---- reading -----------------------------------------------------------------------------------

class Parser extends MsgpackReader {
  constructor(private readonly count: () => number) {
    super();
  }

  fail(msg: string): PagableError {
    return this.corrupt(`malformed schema set: ${msg}`);
  }

  type(depth: number): TypeDesc {
    if (depth > MAX_TYPE_DEPTH) throw this.fail('types nested too deeply');
    const s = this.maybeString();
    if (s !== undefined) return { t: 'plain', native: s };
    const n = this.arrayHeader();
    if (n < 0) {
      const index = this.uint('a type');
      return { t: 'class', index };
    }
    if (n !== 2) throw this.fail('a type of the wrong shape');
    const k = this.uint('a type kind');
    switch (k) {
      case 0: return { t: 'array', of: this.type(depth + 1) };
      case 1: return { t: 'abstract', name: this.string('a class name') };
      case 2: return { t: 'dyn', base: this.nullish() ? undefined : this.string('a class name') };
      case 3: {
        const m = this.arrayHeader();
        if (m < 0 || m % 2 !== 0) throw this.fail('a discriminator of the wrong shape');
        const members = new Map<string, number>();
        for (let i = 0; i < m; i += 2) members.set(this.string('a subtype name'), this.uint('a class index'));
        return { t: 'union', members };
      }
      case 4: case 5: return { t: k === 4 ? 'shared' : 'lazy', root: this.root() };
      default: throw this.fail(`unknown type kind ${k}`);
    }
  }

  root(): RootDesc {
    const s = this.maybeString();
    if (s !== undefined) return { t: 'plain', native: s };
    if (this.arrayHeader() !== 3 || this.uint('a root kind') !== 6) throw this.fail('a child type of the wrong shape');
    const name = this.string('a class name');
    const tag = this.nullish() ? undefined : this.string('a tag');
    return { t: 'ref', name, tag };
  }

  field(): SchemaField {
    if (this.arrayHeader() !== 3) throw this.fail('a field of the wrong shape');
    const name = this.string('a field name');
    const kind = KINDS[this.uint('a field kind')];
    if (kind === undefined) throw this.fail(`field ${name}: unknown kind`);
    return { name, kind, type: this.type(0) };
  }

  cls(own: ClassMeta | undefined): SchemaClass {
    if (this.arrayHeader() !== 4) throw this.fail('a class of the wrong shape');
    const tag = this.nullish() ? undefined : this.string('a tag');
    const name = this.string('a class name');
    const n = this.arrayHeader();
    if (n < 0) throw this.fail(`${name}: fields are not a list`);
    const fields: SchemaField[] = [];
    for (let i = 0; i < n; i++) fields.push(this.field());
    const b = this.u8();
    if (b !== 0xc2 && b !== 0xc3) throw this.fail(`${name}: rest is not a boolean`);
    return { tag, name, fields, rest: b === 0xc3, own, cache: undefined };
  }

  /** Every class index in `t` is in range. */
  check(t: TypeDesc): void {
    switch (t.t) {
      case 'class': if (t.index >= this.count()) throw this.fail(`class index ${t.index} out of range`); return;
      case 'array': this.check(t.of); return;
      case 'union': for (const i of t.members.values()) this.check({ t: 'class', index: i }); return;
      default: return;
    }
  }
}

/**
 * Parses a schema-set blob stored under `key`; CORRUPT (naming the key) when it is not one.
 * `own` gives this process's classes when it wrote the set.
 */
export function parseSchemaSet(key: DataKey, blob: PagableData, own?: readonly ClassMeta[]): SchemaSet {
  const where = `schema set ${key}`;
  const d = blob.data;
  if (d[0] !== C1_BYTE || d[1] !== C1_BYTE) throw new PagableError('CORRUPT', `${where}: not a schema blob`);
  if (d[2] !== SCHEMA_SET_VERSION) throw new PagableError('CORRUPT', `${where}: unknown schema layout version ${String(d[2])} (written by a newer pagable?)`);
  if (blob.arcs.length !== 0) throw new PagableError('CORRUPT', `${where}: a schema set has no children`);
  const classes: SchemaClass[] = [];
  const p = new Parser(() => classes.length);
  p.reset(d, 3, where);
  const n = p.arrayHeader();
  if (n < 0 || n > MAX_CLASSES) throw p.fail('not a list of classes');
  for (let i = 0; i < n; i++) classes.push(p.cls(own?.[i]));
  if (!p.atEnd) throw p.fail('trailing bytes');
  for (const c of classes) for (const f of c.fields) p.check(f.type);
  return { key, blob, classes };
}

/** A short human description of a recorded type, for messages and the CLI. */
export function describeType(t: TypeDesc, set: SchemaSet | undefined): string {
  switch (t.t) {
    case 'plain': return t.native === 'any' ? 'plain data' : t.native;
    case 'class': {
      const c = set?.classes[t.index];
      return c === undefined ? `class #${t.index}` : c.tag ?? c.name;
    }
    case 'abstract': return t.name;
    case 'array': return `${describeType(t.of, set)}[]`;
    case 'dyn': return t.base === undefined ? 'dyn' : `dyn ${t.base}`;
    case 'union': return [...t.members.keys()].join(' | ');
    case 'shared':
    case 'lazy': return `${t.t} ${t.root.t === 'plain' ? (t.root.native === 'any' ? 'plain data' : t.root.native) : t.root.tag ?? t.root.name}`;
  }
}
