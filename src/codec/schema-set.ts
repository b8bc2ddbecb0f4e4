import type { DataKey, PagableData } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta, storedNameOf } from '../metadata/class-meta.js';
import type { RootSchema, Schema } from '../metadata/schema.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { type ClassDesc, type TypeDesc, FIELD_KINDS, SchemaBlobKind, parseClassBlob, parseSetBlob } from './schema-parser.js';
import { C1_BYTE } from './wire.js';
import { MAX_CLASSES, classSchemaProblem } from './wire-rules.js';

/*
 * The writer's schema, recorded with the data. Each class is described once, in a class blob of
 * its own (its tag or name, and its stored fields: name, kind, declared type), so a description is
 * stored once whatever combinations of classes use it. A data blob refers (as its last child key)
 * to a schema-set blob, whose children are the class blobs of the classes the data blob uses, in
 * first-use order; inside the data blob a class is named by its index in that set. All of them are
 * content-addressed blobs like any other: gc, verify, copies between storages and the CLI need no
 * special case.
 *
 * A class refers to the classes of its inline fields by their position in its own closure (itself
 * first, then every class its inline fields declare, transitively, depth first: closureOf), which
 * depends on the class alone, so its blob does too, recursive types included. The set maps each of
 * its classes' closure positions to set indices; a set is closed (it holds every class's closure).
 *
 *   class blob  0xC1 0xC1 0x02, then msgpack [tag | nil, name, [field, ...], rest: bool]
 *               (rest: a class-transformer layout's trailing record of other properties)
 *     field = [name, kind (0 field, 1 shared, 2 lazy, 3 dyn), type]
 *     type  = "any" | a built-in class name ("String", "Number", "Map", ...)   plain data
 *           | n                            an inline @Pagable class: position n of the closure
 *           | [0, type]                    array of
 *           | [1, name]                    a class that is not @Pagable (values always carry their class)
 *           | [2, base name | nil]         @Dyn
 *           | [3, [name, n, name, n ...]]  a class-transformer discriminator: subtype names and classes
 *           | [4, root] | [5, root]        @Shared | @Lazy; root = "any" / built-in name | [6, name, tag | nil]
 *                                                                                 | [7, codec name]
 *           | [7, name]                    values stored through the codec of that name (registerCodec, or the field's own)
 *   set blob    0xC1 0xC1 0x01, then msgpack [[s1, s2, ...], ...]: for the class of each child key,
 *               the set indices of its closure positions 1, 2, ... (position 0 is the class itself)
 */

/** One class of a schema set, as its writer stored it; its inline class references are set indices. */
export interface SchemaClass extends ClassDesc {
  /** The key of its class blob. */
  readonly key: DataKey;
  /** This process's class when this process wrote the set (the decoder's fast path needs no comparison). */
  readonly own: ClassMeta | undefined;
  /** @internal The decoder's caches for this class (class-readers.ts). */
  cache: unknown;
}

/** A schema set, assembled from its set blob and class blobs. */
export interface SchemaSet {
  readonly key: DataKey;
  /** The set blob, then each class blob: what a page-out stores along with a data blob using the set. */
  readonly blobs: ReadonlyArray<readonly [DataKey, PagableData]>;
  readonly classes: readonly SchemaClass[];
}

// ---- writing -----------------------------------------------------------------------------------

/** The name a plain-data schema is recorded under. */
function plainName(s: Schema & { k: 'any' }): string {
  return s.native === undefined ? 'any' : s.native.name;
}

/** A name recorded in a class schema: the reader takes strings only (a class's `static name` may be anything). */
function nameOf(x: unknown, what: string, where: string): string {
  if (typeof x !== 'string') throw new PagableError('INVALID_ARGUMENT', `${where}: ${what} is a ${typeof x}, not a string`);
  return x;
}

function rootTree(r: RootSchema, where: string): unknown {
  if (r.k === 'any') return plainName(r);
  if (r.k === 'codec') return [7, nameOf(r.codec.name, 'the name of its codec', where)];
  return [6, nameOf(r.meta?.name ?? r.cls.name, 'the name of its class', where), r.meta?.tag ?? null];
}

/** A schema as the msgpack tree of its type description; `index` numbers inline classes; `where` names the field. */
function typeTree(s: Schema, index: (m: ClassMeta) => number, where: string): unknown {
  switch (s.k) {
    case 'any':
      return plainName(s);
    case 'class':
      return s.meta === undefined ? [1, nameOf(storedNameOf(s.cls), 'the name of its class', where)] : index(s.meta);
    case 'array':
      return [0, typeTree(s.of, index, where)];
    case 'dyn':
      return [2, s.base === undefined ? null : nameOf(storedNameOf(s.base), 'the name of its base class', where)];
    case 'union': {
      const members: unknown[] = [];
      for (const [name, cls] of s.byName) {
        const m = getClassMeta(cls);
        if (m !== undefined) members.push(nameOf(name, 'a discriminator name', where), index(m));
      }
      // A value is written with its class's name, and read back as the class the name gives.
      for (const [cls, name] of s.byClass) {
        const other = s.byName.get(name);
        if (other !== cls) {
          throw new PagableError(
            'INVALID_ARGUMENT',
            `${where}: the discriminator names two classes "${String(name)}" (${cls.name} and ${other?.name ?? '?'}): each needs a name of its own`,
          );
        }
      }
      return [3, members];
    }
    case 'codec':
      return [7, nameOf(s.codec.name, 'the name of its codec', where)];
    case 'shared':
      return [4, rootTree(s.root, where)];
    case 'lazy':
      return [5, rootTree(s.root, where)];
  }
}

/** The classes a value of schema `s` may need described alongside (inline classes, union subtypes). */
function inlineClasses(s: Schema, out: (m: ClassMeta) => void): void {
  switch (s.k) {
    case 'class':
      if (s.meta !== undefined) out(s.meta);
      return;
    case 'array':
      inlineClasses(s.of, out);
      return;
    case 'union':
      for (const cls of s.byName.values()) {
        const m = getClassMeta(cls);
        if (m !== undefined) out(m);
      }
      return;
    default:
      return;
  }
}

const closures = new WeakMap<ClassMeta, readonly ClassMeta[]>();

/**
 * `meta` and every class its inline fields declare, transitively, depth first: what a set must
 * hold whenever it holds `meta`, and how `meta`'s class blob numbers them. Iterative.
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
    for (const f of m.fields)
      inlineClasses(f.schema, (x) => {
        if (!seen.has(x)) found.push(x);
      });
    for (let i = found.length - 1; i >= 0; i--) stack.push(found[i]!);
  }
  closures.set(meta, (c = out));
  return c;
}

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

const NO_ARCS = Object.freeze([]) as unknown as DataKey[];

/** A schema blob: 0xC1 0xC1 kind, then `tree`. */
function schemaBlob(kind: SchemaBlobKind, tree: unknown, arcs: DataKey[]): [DataKey, PagableData] {
  const w = new MsgpackWriter();
  w.begin();
  w.raw(new Uint8Array([C1_BYTE, C1_BYTE, kind]));
  writeTree(w, tree);
  const blob: PagableData = { data: w.finish(), arcs };
  return [computeKey(blob), blob];
}

const classBlobs = new WeakMap<ClassMeta, [DataKey, PagableData, ClassDesc]>();

/** The class blob of `meta` (built once per class). */
function classBlobOf(meta: ClassMeta): [DataKey, PagableData, ClassDesc] {
  let c = classBlobs.get(meta);
  if (c !== undefined) return c;
  // What the schema parser would refuse is refused here, by the same rule (wire-rules.ts).
  const problem = classSchemaProblem(
    meta.name,
    meta.tag,
    meta.fields.map((f) => f.name),
  );
  if (problem !== undefined) throw new PagableError(problem.code, `class ${String(meta.name)} (${meta.cls.name}): ${problem.why}`);
  const closure = closureOf(meta);
  const index = (m: ClassMeta): number => closure.indexOf(m);
  const tree = [
    meta.tag ?? null,
    meta.name,
    meta.fields.map((f) => [f.name, FIELD_KINDS.indexOf(f.kind), typeTree(f.schema, index, `${meta.name}.${f.name}`)]),
    meta.rest !== undefined,
  ];
  const [key, blob] = schemaBlob(SchemaBlobKind.Class, tree, NO_ARCS);
  c = [key, blob, parseClassBlob(key, blob)];
  classBlobs.set(meta, c);
  return c;
}

/** Builds the schema set of `classes` (closed: each class's closure is in the list). */
export function buildSchemaSet(classes: readonly ClassMeta[]): SchemaSet {
  if (classes.length > MAX_CLASSES) {
    throw new PagableError('LIMIT', `one blob uses ${classes.length} classes; a schema set holds at most ${MAX_CLASSES}`);
  }
  const at = new Map<ClassMeta, number>();
  classes.forEach((m, i) => at.set(m, i));
  const maps = classes.map((m) =>
    closureOf(m)
      .slice(1)
      .map((x) => {
        const i = at.get(x);
        if (i === undefined) throw new PagableError('NOT_PAGABLE', `${x.name}: missing from a schema set (internal error)`);
        return i;
      }),
  );
  const parts = classes.map(classBlobOf);
  const [key, blob] = schemaBlob(
    SchemaBlobKind.Set,
    maps,
    parts.map((p) => p[0]),
  );
  return assembleSchemaSet(
    key,
    blob,
    parts.map((p) => p[2]),
    classes,
  );
}

// ---- reading -----------------------------------------------------------------------------------

/** A class's closure position `n` as a set index; CORRUPT when it has none. */
function toSet(n: number, self: number, map: readonly number[] | undefined, where: string): number {
  const i = n === 0 ? self : map?.[n - 1];
  if (i === undefined) throw new PagableError('CORRUPT', `${where}: class position ${n} is not in its set`);
  return i;
}

function retype(t: TypeDesc, self: number, map: readonly number[] | undefined, where: string): TypeDesc {
  switch (t.t) {
    case 'class':
      return { t: 'class', index: toSet(t.index, self, map, where) };
    case 'array':
      return { t: 'array', of: retype(t.of, self, map, where) };
    case 'union': {
      const members = new Map<string, number>();
      for (const [name, n] of t.members) members.set(name, toSet(n, self, map, where));
      return { t: 'union', members };
    }
    default:
      return t;
  }
}

/**
 * The set stored under `key` from its blob and its classes' descriptions (in child order), with
 * class references renumbered to set indices. `own` gives this process's classes when it wrote it.
 */
export function assembleSchemaSet(
  key: DataKey,
  blob: PagableData,
  descs: readonly ClassDesc[],
  own?: readonly ClassMeta[],
  classBlobs?: ReadonlyArray<readonly [DataKey, PagableData]>,
): SchemaSet {
  const maps = parseSetBlob(key, blob);
  const where = `schema set ${key}`;
  const classes: SchemaClass[] = descs.map((d, i) => ({
    tag: d.tag,
    name: d.name,
    rest: d.rest,
    fields: d.fields.map((f) => ({ name: f.name, kind: f.kind, type: retype(f.type, i, maps[i], where) })),
    key: blob.arcs[i]!,
    own: own?.[i],
    cache: undefined,
  }));
  const blobs: Array<readonly [DataKey, PagableData]> = [[key, blob]];
  if (own !== undefined)
    for (const m of own) {
      const c = classBlobOf(m);
      blobs.push([c[0], c[1]]);
    }
  else if (classBlobs !== undefined) blobs.push(...classBlobs);
  return { key, blobs, classes };
}

/** A short human description of a recorded type, for messages and the CLI. */
export function describeType(t: TypeDesc, set: SchemaSet | undefined): string {
  switch (t.t) {
    case 'plain':
      return t.native === 'any' ? 'plain data' : t.native;
    case 'class': {
      const c = set?.classes[t.index];
      return c === undefined ? `class #${t.index}` : (c.tag ?? c.name);
    }
    case 'abstract':
      return t.name;
    case 'array':
      return `${describeType(t.of, set)}[]`;
    case 'dyn':
      return t.base === undefined ? 'dyn' : `dyn ${t.base}`;
    case 'union':
      return [...t.members.keys()].join(' | ');
    case 'codec':
      return `codec ${t.name}`;
    case 'shared':
    case 'lazy': {
      const r = t.root;
      return `${t.t} ${r.t === 'plain' ? (r.native === 'any' ? 'plain data' : r.native) : r.t === 'codec' ? `codec ${r.name}` : (r.tag ?? r.name)}`;
    }
  }
}
