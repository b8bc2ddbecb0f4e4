import { Unpackr } from 'msgpackr';
import type { DataKey, PagableData } from '../keys/data.js';
import {
  type SchemaClass, type SchemaSet, type TypeDesc, assembleSchemaSet, describeType, parseClassBlob, parseSetBlob,
} from '../codec/schema-set.js';
import { MsgpackReader } from '../codec/msgpack-reader.js';
import { C1, C1_BYTE, ESC_CLASS, Esc, TYPED_ARRAYS, blobFormat, readTagHeader } from '../codec/wire.js';
import { PagableError } from '../error.js';

/*
 * A blob decoded without the user's classes. A data blob is labelled from the writer's schema it
 * refers to (class names and tags, field names, child links); a legacy blob (no schema) shows its
 * tag and positional fields, its arc placeholders as the number 0; a schema blob shows the classes
 * it describes.
 */

/** A private Unpackr: maps stay Maps (any key survives, `__proto__` included), int64 stays exact. */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint', structuredClone: false, moreTypes: false });

/** Limits that keep a hostile blob's rendering bounded. */
const MAX_DEPTH = 64;
const MAX_NODES = 20_000;
const MAX_STRING = 2_000;
const MAX_BYTES_SHOWN = 32;

/** Reads another blob of the store (for a data blob's schema); undefined when absent. */
export type BlobFetch = (key: DataKey) => PagableData | undefined;

/** An instance, labelled from the writer's schema. */
class InstanceView {
  constructor(readonly cls: string, readonly fields: Array<[string, unknown]>) {}
}

/** An arc placeholder: the child key it takes. */
class ChildView {
  constructor(readonly index: number, readonly key: DataKey | undefined) {}
}

/** A blob as the CLI shows it. */
export interface BlobView {
  key: DataKey;
  bytes: number;
  format: 'data' | 'legacy' | 'schema set' | 'class schema';
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

function unpack(bytes: Uint8Array, where: string): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (e) {
    throw new PagableError('CORRUPT', `${where}: the blob does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

/** The schema set under `key`, read through `fetch`; a message instead when it cannot be read. */
function readSchemaSet(key: DataKey, fetch: BlobFetch | undefined): SchemaSet | string {
  if (fetch === undefined) return 'not read';
  try {
    const blob = fetch(key);
    if (blob === undefined) return 'missing from the store';
    const descs = blob.arcs.map((k) => {
      const c = fetch(k);
      if (c === undefined) throw new PagableError('NOT_FOUND', `class schema ${k} is missing from the store`);
      return parseClassBlob(k, c);
    });
    return assembleSchemaSet(key, blob, descs);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Labels a wire tree by the writer's schema. */
class Labeller {
  private next = 0;
  private nodes = 0;
  constructor(private readonly set: SchemaSet, private readonly children: readonly DataKey[]) {}

  instance(c: SchemaClass, values: readonly unknown[], depth: number): InstanceView {
    const fields: Array<[string, unknown]> = c.fields.map((f, i) => [f.name, this.label(values[i], f.type, depth + 1)]);
    if (c.rest) fields.push(['(other properties)', this.label(values[c.fields.length], undefined, depth + 1)]);
    for (let i = fields.length; i < values.length; i++) fields.push([`#${i}`, this.label(values[i], undefined, depth + 1)]);
    return new InstanceView(c.tag ?? c.name, fields);
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
    if (v === null || v === undefined || depth > MAX_DEPTH || ++this.nodes > MAX_NODES) return v;
    if (t !== undefined && (t.t === 'shared' || t.t === 'lazy') && v === 0) {
      const i = this.next++;
      return new ChildView(i, this.children[i]);
    }
    if (Array.isArray(v)) {
      if (v[0] === C1) {
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

/** Decodes `blob` generically; CORRUPT (naming the key) when it is not msgpack. `fetch` reads its schema. */
export function viewBlob(key: DataKey, blob: PagableData, fetch?: BlobFetch): BlobView {
  const where = `blob ${key}`;
  const data = blob.data;
  if (data.length === 0) throw new PagableError('CORRUPT', `${where}: empty blob`);
  const view: BlobView = { key, bytes: data.length, format: 'legacy', tag: undefined, className: undefined, children: blob.arcs.slice(), schema: undefined, body: undefined };
  const fmt = blobFormat(data);
  if (fmt === 'schema') return schemaView(view, blob, fetch);
  if (fmt === 'legacy') {
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
  const body = unpack(data.subarray(1), where);
  const setKey = blob.arcs[blob.arcs.length - 1]!;
  view.children = blob.arcs.slice(0, -1);
  const set = readSchemaSet(setKey, fetch);
  view.schema = { key: setKey, classes: typeof set === 'string' ? undefined : [...set.classes], problem: typeof set === 'string' ? set : undefined };
  if (typeof set === 'string') {
    view.body = body;
    return view;
  }
  const l = new Labeller(set, view.children);
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

/**
 * What names a blob in a graph, reading no more than its first bytes and its schema: the root's
 * tag or class name (a data blob), its tag (legacy), or what a schema blob is. Sets are read once.
 */
export function blobLabeller(fetch: BlobFetch): (blob: PagableData, key: DataKey) => string | undefined {
  const sets = new Map<DataKey, SchemaSet | string>();
  return (blob, key) => {
    try {
      const d = blob.data;
      const fmt = blobFormat(d);
      if (fmt === 'legacy') {
        const h = readTagHeader(d, `blob ${key}`);
        return h !== undefined && h.offset < d.length ? h.tag : undefined;
      }
      if (fmt === 'schema') return d[2] === 0x02 ? `class schema ${parseClassBlob(key, blob).name}` : 'schema set';
      const setKey = blob.arcs[blob.arcs.length - 1]!;
      let set = sets.get(setKey);
      if (set === undefined) sets.set(setKey, (set = readSchemaSet(setKey, fetch)));
      if (typeof set === 'string') return undefined;
      const r = new MsgpackReader();
      r.reset(d, 1, `blob ${key}`);
      if (r.arrayHeader() < 1) return undefined;
      let c = set.classes[0];
      if (r.peek() === C1_BYTE) {
        r.pos++;
        c = set.classes[r.uint('a kind') - ESC_CLASS];
      } else if (c?.tag !== undefined) {
        return undefined;
      }
      return c === undefined ? undefined : c.tag ?? c.name;
    } catch {
      return undefined;
    }
  };
}

/** A schema blob: the classes it describes. */
function schemaView(view: BlobView, blob: PagableData, fetch: BlobFetch | undefined): BlobView {
  const d = blob.data;
  if (d[2] === 0x02) {
    view.format = 'class schema';
    const c = parseClassBlob(view.key, blob);
    view.tag = c.tag;
    view.className = c.name;
    view.body = new InstanceView('class', c.fields.map((f) => [f.name, describeType(f.type, undefined)]));
    return view;
  }
  view.format = 'schema set';
  parseSetBlob(view.key, blob);
  const set = readSchemaSet(view.key, fetch ?? (() => undefined));
  view.body = typeof set === 'string'
    ? view.children.map((k, i) => new ChildView(i, k))
    : set.classes.map((c) => new InstanceView(c.tag === undefined ? c.name : `${c.tag} (${c.name})`, c.fields.map((f) => [f.name, describeType(f.type, set)])));
  return view;
}

// ---- documents: a value laid out as text -------------------------------------------------------

/** Text to lay out: an atom, or a bracketed group of (optionally labelled) items. */
type Doc = string | { open: string; items: Array<{ label: string; doc: Doc }>; close: string };

class Budget {
  nodes = 0;
}

function escapeKindName(kind: unknown): string {
  return typeof kind === 'number' ? `escape ${kind}` : 'escape ?';
}

function str(s: string): string {
  return JSON.stringify(s.length > MAX_STRING ? s.slice(0, MAX_STRING) : s) + (s.length > MAX_STRING ? `…(${s.length} chars)` : '');
}

function hex(b: Uint8Array): string {
  const shown = Array.from(b.subarray(0, MAX_BYTES_SHOWN), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} bytes${b.length > 0 ? ': ' + shown : ''}${b.length > MAX_BYTES_SHOWN ? ' …' : ''}>`;
}

function typedValues(kind: unknown, bytes: unknown): { name: string; values: Array<number | bigint> } | undefined {
  const T = typeof kind === 'number' ? TYPED_ARRAYS[kind] : undefined;
  if (T === undefined || !(bytes instanceof Uint8Array) || bytes.length % T.BYTES_PER_ELEMENT !== 0) return undefined;
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return { name: T.name, values: Array.from(new T(buf) as ArrayLike<number | bigint>) };
}

function toDoc(v: unknown, depth: number, budget: Budget): Doc {
  if (++budget.nodes > MAX_NODES) return '…';
  switch (typeof v) {
    case 'undefined': return 'undefined';
    case 'boolean': return String(v);
    case 'number': return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint': return `${v}n`;
    case 'string': return str(v);
    default: break;
  }
  if (v === null) return 'null';
  if (v === C1) return '<C1>';
  if (v instanceof ChildView) return `<child ${v.index}: ${v.key === undefined ? 'missing' : v.key.slice(0, 8) + '…'}>`;
  if (depth >= MAX_DEPTH) return '…';
  const d = depth + 1;
  if (v instanceof InstanceView) return { open: `${v.cls} {`, items: v.fields.map(([k, x]) => ({ label: `${k}: `, doc: toDoc(x, d, budget) })), close: '}' };
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
  if (v instanceof Map) {
    return { open: '{', items: [...v].map(([k, x]) => ({ label: `${flat(toDoc(k, d, budget))}: `, doc: toDoc(x, d, budget) })), close: '}' };
  }
  if (Array.isArray(v)) {
    if (v[0] !== C1) return { open: '[', items: v.map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
    const kind = v[1];
    switch (kind) {
      case Esc.Instance:
        return { open: `${typeof v[2] === 'string' ? v[2] : '<bad tag>'} {`, items: v.slice(3).map((x, i) => ({ label: `#${i}: `, doc: toDoc(x, d, budget) })), close: '}' };
      case Esc.Map: {
        const items: Array<{ label: string; doc: Doc }> = [];
        for (let i = 2; i + 1 < v.length; i += 2) items.push({ label: `${flat(toDoc(v[i], d, budget))} => `, doc: toDoc(v[i + 1], d, budget) });
        return { open: 'Map {', items, close: '}' };
      }
      case Esc.Set:
        return { open: 'Set {', items: v.slice(2).map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: '}' };
      case Esc.NegZero:
        return '-0';
      case Esc.BigInt:
        return typeof v[2] === 'string' ? `${v[2].slice(0, MAX_STRING)}n` : '<bad bigint>';
      case Esc.Object: {
        const items: Array<{ label: string; doc: Doc }> = [];
        for (let i = 2; i + 1 < v.length; i += 2) items.push({ label: `${flat(toDoc(v[i], d, budget))}: `, doc: toDoc(v[i + 1], d, budget) });
        return { open: '{', items, close: '}' };
      }
      case Esc.Typed: {
        const t = typedValues(v[2], v[3]);
        if (t === undefined) return '<bad typed array>';
        return { open: `${t.name} [`, items: t.values.map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
      }
      default:
        if (typeof kind === 'number' && kind >= ESC_CLASS) {
          return { open: `<class #${kind - ESC_CLASS}> {`, items: v.slice(2).map((x, i) => ({ label: `#${i}: `, doc: toDoc(x, d, budget) })), close: '}' };
        }
        return { open: `<${escapeKindName(kind)}> [`, items: v.slice(2).map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
    }
  }
  // Something msgpackr decodes natively that pagable never writes (an extension type).
  const name = (v as object).constructor?.name ?? 'object';
  return `<${name}>`;
}

const WIDTH = 100;

/** The one-line form of a document (no budget: used for short map keys and the fits test). */
function flat(doc: Doc): string {
  if (typeof doc === 'string') return doc;
  if (doc.items.length === 0) return `${doc.open}${doc.close}`;
  const inner = doc.items.map((it) => it.label + flat(it.doc)).join(', ');
  return `${doc.open} ${inner} ${doc.close}`;
}

/** Length of the one-line form, giving up once it exceeds `max`. */
function flatLength(doc: Doc, max: number): number {
  if (typeof doc === 'string') return doc.length;
  let n = doc.open.length + doc.close.length + 2;
  for (const it of doc.items) {
    n += it.label.length + 2 + flatLength(it.doc, max - n);
    if (n > max) return n;
  }
  return n;
}

function layout(doc: Doc, indent: number, out: string[], prefix: string): void {
  const pad = ' '.repeat(indent);
  if (typeof doc === 'string' || flatLength(doc, WIDTH) + indent + prefix.length <= WIDTH) {
    out.push(pad + prefix + flat(doc));
    return;
  }
  out.push(pad + prefix + doc.open);
  for (const it of doc.items) {
    layout(it.doc, indent + 2, out, it.label);
    out[out.length - 1] += ',';
  }
  out.push(pad + doc.close);
}

/** The view as readable text: a header, the child keys, the body laid out to about 100 columns. */
export function renderBlobText(view: BlobView, roots: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`key       ${view.key}`);
  lines.push(`bytes     ${view.bytes}`);
  lines.push(`format    ${view.format}`);
  lines.push(`tag       ${view.tag === undefined ? '(none)' : view.tag}`);
  if (view.className !== undefined) lines.push(`class     ${view.className}`);
  const sc = view.schema;
  if (sc !== undefined) {
    const what = sc.classes === undefined ? `unreadable: ${sc.problem ?? ''}` : `${sc.classes.length} class${sc.classes.length === 1 ? '' : 'es'}: ${sc.classes.map((c) => c.tag ?? c.name).join(', ')}`;
    lines.push(`schema    ${sc.key} (${what})`);
  }
  if (roots.length > 0) lines.push(`roots     ${roots.join(', ')}`);
  lines.push(`children  ${view.children.length}`);
  view.children.forEach((k, i) => lines.push(`  ${String(i).padStart(String(view.children.length - 1).length)}  ${k}`));
  lines.push(view.format === 'data' || view.format === 'legacy' ? 'body' : 'classes');
  const budget = new Budget();
  let doc = toDoc(view.body, 0, budget);
  if (view.tag !== undefined && typeof doc !== 'string' && doc.open === '[') {
    // A tagged body is the class's fields in declaration order: label them by position.
    doc = { open: `${view.tag} {`, items: doc.items.map((it, i) => ({ label: `#${i}: `, doc: it.doc })), close: '}' };
  }
  layout(doc, 2, lines, '');
  if (budget.nodes > MAX_NODES) lines.push(`  (shortened: more than ${MAX_NODES} values)`);
  return lines.join('\n');
}

// ---- JSON form --------------------------------------------------------------------------------

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function defineKey(o: { [k: string]: Json }, k: string, v: Json): void {
  // Definition, not assignment: a `__proto__` key stays an own property and reaches JSON.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * The body as JSON, with what JSON cannot say spelled out: {"$class", "fields": {name: value}} for
 * instances labelled from the schema, {"$child": n, "key"} for child links, {"$tag", "fields"} for
 * tagged instances of legacy blobs, {"$map": [[k, v]...]}, {"$set": [...]}, {"$bigint": "..."}, {"$bytes": "hex"},
 * {"$date": iso}, {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}, {"$undefined": true},
 * {"$typed": name, "values": [...]}, {"$object": [[k, v]...]} for objects with non-string keys.
 */
export function toJson(v: unknown, depth = 0): Json {
  switch (typeof v) {
    case 'undefined': return { $undefined: true };
    case 'boolean': return v;
    case 'number': return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint': return { $bigint: v.toString() };
    case 'string': return v;
    default: break;
  }
  if (v === null) return null;
  if (v === C1) return { $c1: true };
  if (v instanceof ChildView) return { $child: v.index, key: v.key ?? null };
  if (depth >= MAX_DEPTH) return { $truncated: true };
  const d = depth + 1;
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
      case Esc.Instance: return { $tag: typeof v[2] === 'string' ? v[2] : null, fields: v.slice(3).map((x) => toJson(x, d)) };
      case Esc.Map: return { $map: rest(2).map(([k, x]) => [toJson(k, d), toJson(x, d)]) };
      case Esc.Set: return { $set: v.slice(2).map((x) => toJson(x, d)) };
      case Esc.NegZero: return { $number: '-0' };
      case Esc.BigInt: return { $bigint: String(v[2]) };
      case Esc.Object: return pairs(rest(2));
      case Esc.Typed: {
        const t = typedValues(v[2], v[3]);
        return t === undefined ? { $escape: 6, items: v.slice(2).map((x) => toJson(x, d)) } : { $typed: t.name, values: t.values.map((x) => toJson(x, d)) };
      }
      default:
        if (typeof v[1] === 'number' && v[1] >= ESC_CLASS) return { $class: `#${v[1] - ESC_CLASS}`, fields: v.slice(2).map((x) => toJson(x, d)) };
        return { $escape: typeof v[1] === 'number' ? v[1] : null, items: v.slice(2).map((x) => toJson(x, d)) };
    }
  }
  return { $unknown: (v as object).constructor?.name ?? 'object' };
}

/** The view as JSON. */
export function blobViewJson(view: BlobView, roots: readonly string[]): Json {
  return {
    key: view.key, bytes: view.bytes, format: view.format, tag: view.tag ?? null, class: view.className ?? null,
    schema: view.schema === undefined ? null : view.schema.key, roots: [...roots], children: view.children, body: toJson(view.body),
  };
}
