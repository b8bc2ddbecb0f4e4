import { Unpackr } from 'msgpackr';
import type { DataKey, PagableData } from '../keys/data.js';
import { C1, Esc, TYPED_ARRAYS, readTagHeader } from '../codec/wire.js';
import { PagableError } from '../error.js';

/*
 * A blob decoded without the user's classes: the tag (when the body begins with one), the body
 * as positional fields, escapes shown for what they mean. No schema is known here, so an arc
 * placeholder reads as the number 0; the child keys are listed beside the body, in the order the
 * placeholders take them.
 */

/** A private Unpackr: maps stay Maps (any key survives, `__proto__` included), int64 stays exact. */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint', structuredClone: false, moreTypes: false });

/** Limits that keep a hostile blob's rendering bounded. */
const MAX_DEPTH = 64;
const MAX_NODES = 20_000;
const MAX_STRING = 2_000;
const MAX_BYTES_SHOWN = 32;

/** A blob as the CLI shows it. */
export interface BlobView {
  key: DataKey;
  bytes: number;
  /** The type tag the body begins with, if any. */
  tag: string | undefined;
  children: DataKey[];
  /** The decoded body, still in wire form (escape arrays, Maps for msgpack maps). */
  body: unknown;
}

/** Decodes `blob` generically; CORRUPT (naming the key) when it is not msgpack. */
export function viewBlob(key: DataKey, blob: PagableData): BlobView {
  const where = `blob ${key}`;
  const data = blob.data;
  const header = data.length === 0 ? undefined : readTagHeader(data, where);
  let tag: string | undefined;
  let body: unknown;
  if (data.length === 0) {
    throw new PagableError('CORRUPT', `${where}: empty blob`);
  } else if (header !== undefined && header.offset < data.length) {
    tag = header.tag;
    body = unpack(data.subarray(header.offset), where);
  } else {
    // Untagged; a lone string is plain data, not a tag.
    body = unpack(data, where);
  }
  return { key, bytes: data.length, tag, children: blob.arcs.slice(), body };
}

function unpack(bytes: Uint8Array, where: string): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (e) {
    throw new PagableError('CORRUPT', `${where}: the blob does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
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
  if (depth >= MAX_DEPTH) return '…';
  const d = depth + 1;
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
  lines.push(`tag       ${view.tag === undefined ? '(none)' : view.tag}`);
  if (roots.length > 0) lines.push(`roots     ${roots.join(', ')}`);
  lines.push(`children  ${view.children.length}`);
  view.children.forEach((k, i) => lines.push(`  ${String(i).padStart(String(view.children.length - 1).length)}  ${k}`));
  lines.push('body');
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
 * The body as JSON, with what JSON cannot say spelled out: {"$tag", "fields"} for tagged
 * instances, {"$map": [[k, v]...]}, {"$set": [...]}, {"$bigint": "..."}, {"$bytes": "hex"},
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
  if (depth >= MAX_DEPTH) return { $truncated: true };
  const d = depth + 1;
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
      default: return { $escape: typeof v[1] === 'number' ? v[1] : null, items: v.slice(2).map((x) => toJson(x, d)) };
    }
  }
  return { $unknown: (v as object).constructor?.name ?? 'object' };
}

/** The view as JSON. */
export function blobViewJson(view: BlobView, roots: readonly string[]): Json {
  return { key: view.key, bytes: view.bytes, tag: view.tag ?? null, roots: [...roots], children: view.children, body: toJson(view.body) };
}
