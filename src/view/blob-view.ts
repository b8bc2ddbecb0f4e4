import { Unpackr } from 'msgpackr';
import type { DataKey, PagableData } from '../keys/data.js';
import { type TypeDesc, parseClassBlob, parseSetBlob } from '../codec/schema-parser.js';
import { type SchemaClass, type SchemaSet, describeType } from '../codec/schema-set.js';
import { TreeReader } from '../codec/tree-reader.js';
import { C1, ESC_CLASS, Esc, TYPED_ARRAYS, blobFormat, readTagHeader } from '../codec/wire.js';
import { PagableError } from '../error.js';
import { type BlobFetch, readSchemaSet } from './blob-schema.js';

/*
 * A blob decoded without the user's classes. A data blob is labelled from the writer's schema it
 * refers to (class names and tags, field names, child links); a schemaless blob (no schema) shows its
 * tag and positional fields, its arc placeholders as the number 0; a schema blob shows the classes
 * it describes.
 *
 * The view and its JSON form share this file because the explorer reads blob contents through this
 * module only (the explore-imports rule in .dependency-cruiser.cjs); the text form is in
 * blob-text.ts, the schema lookup in blob-schema.ts.
 */

/** Re-exported for the explorer, which imports blob contents from this module only. */
export { type BlobFetch, blobLabeller } from './blob-schema.js';

/** A private Unpackr: maps stay Maps (any key survives, `__proto__` included), int64 stays exact. */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint', structuredClone: false, moreTypes: false });

/** Limits that keep a hostile blob's rendering bounded. */
export const MAX_DEPTH = 64;
export const MAX_NODES = 20_000;

/**
 * An instance, labelled from the writer's schema: its first `stored` entries are the class's
 * fields, then its trailing record of other properties when `rest`, then values the schema does
 * not name (`#i`, a damaged blob's).
 */
export class InstanceView {
  constructor(
    readonly cls: string,
    readonly fields: Array<[string, unknown]>,
    readonly stored = fields.length,
    readonly rest = false,
  ) {}
}

/** A value stored through a codec: the codec's name and its encoding (plain data, labelled). */
export class CodecView {
  constructor(
    readonly name: string,
    readonly value: unknown,
  ) {}
}

/** An arc placeholder: the child key it takes, and whether the field is @Lazy (else @Shared). */
export class ChildView {
  constructor(
    readonly index: number,
    readonly key: DataKey | undefined,
    readonly lazy = false,
  ) {}
}

/** How much of a blob's body is labelled: past these, values are left as the wire has them. */
export interface ViewLimits {
  readonly depth: number;
  readonly nodes: number;
}

/** A blob as the CLI shows it. */
export interface BlobView {
  key: DataKey;
  bytes: number;
  format: 'data' | 'schemaless' | 'schema set' | 'class schema';
  /** The type tag of the root's class, if any. */
  tag: string | undefined;
  /** The root's class name, when the schema tells. */
  className: string | undefined;
  /** Child keys taken by arc placeholders, in order (the schema set key excluded). */
  children: DataKey[];
  /** A data blob's schema set, and its classes when they could be read. */
  schema: { key: DataKey; classes: SchemaClass[] | undefined; problem: string | undefined } | undefined;
  /** The decoded body: wire form, with instances and child links labelled where the schema allows. */
  body: unknown;
}

const trees = new TreeReader();

/** A data blob's body (written by MsgpackWriter: WTF-8 strings, read exactly). */
function readBody(data: Uint8Array, where: string): unknown {
  return trees.read(data, 1, where);
}

/** A schemaless blob's body (written by msgpackr, read by msgpackr). */
function unpack(bytes: Uint8Array, where: string): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (e) {
    throw new PagableError('CORRUPT', `${where}: the blob does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

/** Labels a wire tree by the writer's schema. */
class Labeller {
  private next = 0;
  private nodes = 0;
  constructor(
    private readonly set: SchemaSet,
    private readonly children: readonly DataKey[],
    private readonly limits: ViewLimits,
  ) {}

  instance(c: SchemaClass, values: readonly unknown[], depth: number): InstanceView {
    const fields: Array<[string, unknown]> = c.fields.map((f, i) => [f.name, this.label(values[i], f.type, depth + 1)]);
    if (c.rest) fields.push(['(other properties)', this.label(values[c.fields.length], undefined, depth + 1)]);
    for (let i = fields.length; i < values.length; i++) fields.push([`#${i}`, this.label(values[i], undefined, depth + 1)]);
    return new InstanceView(c.tag ?? c.name, fields, c.fields.length, c.rest);
  }

  /** The escape `v` as an instance, if it is one. */
  private escaped(v: unknown[], t: TypeDesc | undefined, depth: number): InstanceView | undefined {
    const kind = v[1];
    if (typeof kind === 'number' && kind >= ESC_CLASS) {
      const c = this.set.classes[kind - ESC_CLASS];
      return c === undefined ? undefined : this.instance(c, v.slice(2), depth);
    }
    if (kind === Esc.Instance && typeof v[2] === 'string' && t?.t === 'union') {
      const c = this.set.classes[t.members.get(v[2]) ?? -1];
      return c === undefined ? undefined : this.instance({ ...c, tag: v[2] }, v.slice(3), depth);
    }
    return undefined;
  }

  label(v: unknown, t: TypeDesc | undefined, depth: number): unknown {
    if (v === null || v === undefined || depth > this.limits.depth || ++this.nodes > this.limits.nodes) return v;
    if (t !== undefined && (t.t === 'shared' || t.t === 'lazy') && v === 0) {
      const i = this.next++;
      return new ChildView(i, this.children[i], t.t === 'lazy');
    }
    const named = Array.isArray(v) && v[0] === C1 && (v[1] === Esc.Codec || (typeof v[1] === 'number' && v[1] >= ESC_CLASS));
    // Where a codec is declared, a value that does not carry a name (or tag) is that codec's encoding.
    if (t?.t === 'codec' && !named) return new CodecView(t.name, this.label(v, undefined, depth + 1));
    if (Array.isArray(v)) {
      if (v[0] === C1) {
        if (v[1] === Esc.Codec && typeof v[2] === 'string' && v.length === 4)
          return new CodecView(v[2], this.label(v[3], undefined, depth + 1));
        const inst = this.escaped(v, t, depth);
        if (inst !== undefined) return inst;
        return v.map((x, i) => (i < 2 ? x : this.label(x, undefined, depth + 1)));
      }
      if (t?.t === 'class') {
        const c = this.set.classes[t.index];
        if (c !== undefined) return this.instance(c, v, depth);
      }
      const of = t?.t === 'array' ? t.of : undefined;
      return v.map((x) => this.label(x, of, depth + 1));
    }
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, this.label(x, undefined, depth + 1)]));
    return v;
  }
}

/** What the CLI and the explorer label of a blob that may be hostile. */
const DISPLAY_LIMITS: ViewLimits = { depth: MAX_DEPTH, nodes: MAX_NODES };

/**
 * Decodes `blob` generically; CORRUPT (naming the key) when it is not msgpack. `fetch` reads its
 * schema; `limits` bound the labelling (by default what a display needs).
 */
export function viewBlob(key: DataKey, blob: PagableData, fetch?: BlobFetch, limits: ViewLimits = DISPLAY_LIMITS): BlobView {
  const where = `blob ${key}`;
  const data = blob.data;
  if (data.length === 0) throw new PagableError('CORRUPT', `${where}: empty blob`);
  const view: BlobView = {
    key,
    bytes: data.length,
    format: 'schemaless',
    tag: undefined,
    className: undefined,
    children: blob.arcs.slice(),
    schema: undefined,
    body: undefined,
  };
  const fmt = blobFormat(data);
  if (fmt === 'schema') return schemaView(view, blob, fetch);
  if (fmt === 'schemaless') {
    const header = readTagHeader(data, where);
    if (header !== undefined && header.offset < data.length) {
      view.tag = header.tag;
      view.body = unpack(data.subarray(header.offset), where);
    } else {
      // Untagged; a lone string is plain data, not a tag.
      view.body = unpack(data, where);
    }
    return view;
  }
  view.format = 'data';
  const body = readBody(data, where);
  const setKey = blob.arcs[blob.arcs.length - 1]!;
  view.children = blob.arcs.slice(0, -1);
  const set = readSchemaSet(setKey, fetch);
  view.schema = {
    key: setKey,
    classes: typeof set === 'string' ? undefined : [...set.classes],
    problem: typeof set === 'string' ? set : undefined,
  };
  if (typeof set === 'string') {
    view.body = body;
    return view;
  }
  const l = new Labeller(set, view.children, limits);
  const c0 = set.classes[0];
  let root: unknown;
  if (Array.isArray(body) && body[0] !== C1 && c0 !== undefined && c0.tag === undefined) root = l.instance(c0, body, 0);
  else root = l.label(body, undefined, 0);
  if (root instanceof InstanceView) {
    const c = Array.isArray(body) && body[0] === C1 ? set.classes[(body[1] as number) - ESC_CLASS] : c0;
    view.tag = c?.tag;
    view.className = c?.name;
  }
  view.body = root;
  return view;
}

/** A schema blob: the classes it describes. */
function schemaView(view: BlobView, blob: PagableData, fetch: BlobFetch | undefined): BlobView {
  const d = blob.data;
  if (d[2] === 0x02) {
    view.format = 'class schema';
    const c = parseClassBlob(view.key, blob);
    view.tag = c.tag;
    view.className = c.name;
    view.body = new InstanceView(
      'class',
      c.fields.map((f) => [f.name, describeType(f.type, undefined)]),
    );
    return view;
  }
  view.format = 'schema set';
  parseSetBlob(view.key, blob);
  const set = readSchemaSet(view.key, fetch ?? (() => undefined));
  view.body =
    typeof set === 'string'
      ? view.children.map((k, i) => new ChildView(i, k))
      : set.classes.map(
          (c) =>
            new InstanceView(
              c.tag === undefined ? c.name : `${c.tag} (${c.name})`,
              c.fields.map((f) => [f.name, describeType(f.type, set)]),
            ),
        );
  return view;
}

/** The elements of a typed-array escape (its kind and bytes); undefined when they make none. */
export function typedValues(kind: unknown, bytes: unknown): { name: string; values: Array<number | bigint> } | undefined {
  const T = typeof kind === 'number' ? TYPED_ARRAYS[kind] : undefined;
  if (T === undefined || !(bytes instanceof Uint8Array) || bytes.length % T.BYTES_PER_ELEMENT !== 0) return undefined;
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return { name: T.name, values: Array.from(new T(buf) as ArrayLike<number | bigint>) };
}

// ---- JSON form --------------------------------------------------------------------------------

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function defineKey(o: { [k: string]: Json }, k: string, v: Json): void {
  // Definition, not assignment: a `__proto__` key stays an own property and reaches JSON.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** undefined, a boolean, a number or a bigint as JSON, what JSON lacks spelled out; undefined for anything else. */
export function scalarJson(v: unknown): Json | undefined {
  switch (typeof v) {
    case 'undefined':
      return { $undefined: true };
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $bigint: v.toString() };
    default:
      return undefined;
  }
}

/**
 * The body as JSON, with what JSON cannot say spelled out: {"$class", "fields": {name: value}} for
 * instances labelled from the schema, {"$codec": name, "value"} for values stored through a codec,
 * {"$child": n, "key"} for child links, {"$tag", "fields"} for
 * tagged instances of schemaless blobs, {"$map": [[k, v]...]}, {"$set": [...]}, {"$bigint": "..."}, {"$bytes": "hex"},
 * {"$date": iso}, {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}, {"$undefined": true},
 * {"$typed": name, "values": [...]}, {"$object": [[k, v]...]} for objects with non-string keys.
 */
export function toJson(v: unknown, depth = 0): Json {
  if (typeof v === 'string') return v;
  const scalar = scalarJson(v);
  if (scalar !== undefined) return scalar;
  if (v === null) return null;
  if (v === C1) return { $c1: true };
  if (v instanceof ChildView) return { $child: v.index, key: v.key ?? null };
  if (depth >= MAX_DEPTH) return { $truncated: true };
  const d = depth + 1;
  if (v instanceof CodecView) return { $codec: v.name, value: toJson(v.value, d) };
  if (v instanceof InstanceView) {
    const fields: { [k: string]: Json } = {};
    for (const [k, x] of v.fields) defineKey(fields, k, toJson(x, d));
    return { $class: v.cls, fields };
  }
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString() };
  const pairs = (items: Array<[unknown, unknown]>): Json => {
    if (items.every(([k]) => typeof k === 'string')) {
      const o: { [k: string]: Json } = {};
      for (const [k, x] of items) defineKey(o, k as string, toJson(x, d));
      return o;
    }
    return { $object: items.map(([k, x]) => [toJson(k, d), toJson(x, d)]) };
  };
  if (v instanceof Map) return pairs([...v]);
  if (Array.isArray(v)) {
    if (v[0] !== C1) return v.map((x) => toJson(x, d));
    const rest = (from: number): Array<[unknown, unknown]> => {
      const out: Array<[unknown, unknown]> = [];
      for (let i = from; i + 1 < v.length; i += 2) out.push([v[i], v[i + 1]]);
      return out;
    };
    switch (v[1]) {
      case Esc.Instance:
        return { $tag: typeof v[2] === 'string' ? v[2] : null, fields: v.slice(3).map((x) => toJson(x, d)) };
      case Esc.Map:
        return { $map: rest(2).map(([k, x]) => [toJson(k, d), toJson(x, d)]) };
      case Esc.Set:
        return { $set: v.slice(2).map((x) => toJson(x, d)) };
      case Esc.NegZero:
        return { $number: '-0' };
      case Esc.BigInt:
        return { $bigint: String(v[2]) };
      case Esc.Object:
        return pairs(rest(2));
      case Esc.Typed: {
        const t = typedValues(v[2], v[3]);
        return t === undefined
          ? { $escape: 6, items: v.slice(2).map((x) => toJson(x, d)) }
          : { $typed: t.name, values: t.values.map((x) => toJson(x, d)) };
      }
      default:
        if (typeof v[1] === 'number' && v[1] >= ESC_CLASS)
          return { $class: `#${v[1] - ESC_CLASS}`, fields: v.slice(2).map((x) => toJson(x, d)) };
        return { $escape: typeof v[1] === 'number' ? v[1] : null, items: v.slice(2).map((x) => toJson(x, d)) };
    }
  }
  return { $unknown: (v as object).constructor?.name ?? 'object' };
}

/** The view as JSON. */
export function blobViewJson(view: BlobView, roots: readonly string[]): Json {
  return {
    key: view.key,
    bytes: view.bytes,
    format: view.format,
    tag: view.tag ?? null,
    class: view.className ?? null,
    schema: view.schema === undefined ? null : view.schema.key,
    roots: [...roots],
    children: view.children,
    body: toJson(view.body),
  };
}
