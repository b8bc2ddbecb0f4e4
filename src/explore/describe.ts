/*
 * The explorer's one window onto blob contents. Everything else in src/explore (the index scan,
 * the treemap, the API, the page) sees a blob only through `classLabel`, `describeBlob` and
 * `blobJson`, so switching to the schema-aware blob view (field names and class names read from
 * the writer's schema blobs) is a change to this file alone:
 *
 *  - classLabel: the tag where the class has one (as today: stable, chosen by the user), else the
 *    class name from the blob's schema set (the last key of `arcs` in the new format; read it
 *    through `lookup` and cache it by key: one schema set serves many blobs); a label of its own
 *    for schema-set blobs, e.g. "(schema)"; legacy blobs keep today's labels.
 *  - describeBlob: `className`, each field's `name`, and `children` per field (indexes into
 *    `children`, which then leaves the schema-set key out); the page shows names and links
 *    fields to their child blobs as soon as they are there.
 *  - blobJson: the new view's JSON form.
 *
 * Today's implementation uses the CLI's generic view (src/cli/blob-view.ts): a blob names its
 * type tag when its class has one; fields are positional (#0, #1, ...); an untagged blob is
 * known only by its shape. `lookup` (other blobs of the store) is unused today.
 */
import { C1, readTagHeader } from '../codec/wire.js';
import { PagableError } from '../error.js';
import type { Await } from '../blobstore/interface.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { type Json, toJson, viewBlob } from '../cli/blob-view.js';

/** Another blob of the store, by key (schema blobs, for the schema-aware view). */
export type BlobLookup = (key: DataKey) => Await<PagableData | undefined>;

/** One field of a blob as the page shows it. */
export interface FieldDescription {
  /** The field's name where the blob's schema tells it; undefined for positional fields. */
  name: string | undefined;
  /** Position in the stored body. */
  index: number;
  /** A short one-line rendering of the value (at most PREVIEW_CHARS characters). */
  preview: string;
  /** Indexes into `children` of the child blobs this field refers to, where known. */
  children: number[] | undefined;
}

/** One blob as the page shows it. */
export interface BlobDescription {
  key: DataKey;
  /** Length of the blob's data. */
  bytes: number;
  /** What the treemap groups the blob under: its tag, else its class name, else its shape. */
  label: string;
  /** The writer's class name, where the blob's schema records it. */
  className: string | undefined;
  /** The type tag, where the class has one. */
  tag: string | undefined;
  /** The first MAX_FIELDS fields. */
  fields: FieldDescription[];
  /** How many fields the body has. */
  fieldCount: number;
  /** Child blob keys, in the order the body refers to them. */
  children: DataKey[];
  /** Why the body could not be shown (a blob that does not decode), if so. */
  error: string | undefined;
}

/** Fields described per blob (a body that is one huge array is shown by its first entries). */
export const MAX_FIELDS = 200;

/** Longest field preview, in characters. */
export const PREVIEW_CHARS = 160;

/** Label of a blob whose body is empty or does not begin as any blob does. */
const CORRUPT_LABEL = '(corrupt)';
/** Label of a blob holding plain data (a string, a map, a number...). */
const PLAIN_LABEL = '(plain data)';

/**
 * The treemap group of a blob, read from its first bytes only (the index scan calls this for
 * every blob of the store): the tag, else `(untagged, N fields)` for a positional instance body.
 */
export function classLabel(blob: PagableData, _lookup?: BlobLookup): Await<string> {
  const data = blob.data;
  if (data.length === 0) return CORRUPT_LABEL;
  let header;
  try {
    header = readTagHeader(data, 'blob');
  } catch {
    return CORRUPT_LABEL;
  }
  if (header !== undefined) return header.offset < data.length ? header.tag : PLAIN_LABEL;
  const n = arrayLength(data);
  return n === undefined ? PLAIN_LABEL : `(untagged, ${n} field${n === 1 ? '' : 's'})`;
}

/** The element count of a msgpack array header at the start of `data`, if it begins with one. */
function arrayLength(data: Uint8Array): number | undefined {
  const t = data[0]!;
  if ((t & 0xf0) === 0x90) return t & 0x0f;
  if (t === 0xdc && data.length >= 3) return (data[1]! << 8) | data[2]!;
  if (t === 0xdd && data.length >= 5) return ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0;
  return undefined;
}

/** The whole blob, field by field. A blob that does not decode is described with its error. */
export async function describeBlob(key: DataKey, blob: PagableData, lookup?: BlobLookup): Promise<BlobDescription> {
  const label = await classLabel(blob, lookup);
  const base = { key, bytes: blob.data.length, label, className: undefined, children: blob.arcs.slice() };
  let view;
  try {
    view = viewBlob(key, blob);
  } catch (e) {
    if (!PagableError.is(e)) throw e;
    return { ...base, tag: undefined, fields: [], fieldCount: 0, error: e.message };
  }
  const body = view.body;
  const values = Array.isArray(body) && !isEscape(body) ? body : undefined;
  const fields: FieldDescription[] = values === undefined
    ? [{ name: undefined, index: 0, preview: previewOf(toJson(body)), children: undefined }]
    : values.slice(0, MAX_FIELDS).map((v, index) => ({ name: undefined, index, preview: previewOf(toJson(v)), children: undefined }));
  return { ...base, tag: view.tag, fields, fieldCount: values?.length ?? 1, error: undefined };
}

/** The blob in the CLI's `show --json` form, for the page's "raw" view. */
export function blobJson(key: DataKey, blob: PagableData): Json {
  const view = viewBlob(key, blob);
  return { key, bytes: view.bytes, tag: view.tag ?? null, children: view.children, body: toJson(view.body) };
}

function isEscape(a: unknown[]): boolean {
  // An escape array (a Map, a Set, a tagged inline instance...) is one value, not a field list.
  return a[0] === C1;
}

// ---- previews: blob-view's JSON form as short text ---------------------------------------------

/** `json` (blob-view's JSON dialect) as one line of at most PREVIEW_CHARS characters. */
export function previewOf(json: Json): string {
  const out: string[] = [];
  const budget = { left: PREVIEW_CHARS + 1 };
  write(json, out, budget, 0);
  const s = out.join('');
  return s.length > PREVIEW_CHARS ? s.slice(0, PREVIEW_CHARS - 1) + '…' : s;
}

type Budget = { left: number };

function put(out: string[], budget: Budget, s: string): boolean {
  out.push(s);
  budget.left -= s.length;
  return budget.left > 0;
}

function writeList(items: readonly Json[], out: string[], budget: Budget, depth: number, open: string, close: string): void {
  put(out, budget, open);
  for (let i = 0; i < items.length; i++) {
    if (budget.left <= 0) return;
    if (i > 0) put(out, budget, ', ');
    write(items[i]!, out, budget, depth + 1);
  }
  put(out, budget, close);
}

function writePairs(pairs: ReadonlyArray<readonly [string, Json]>, out: string[], budget: Budget, depth: number, open: string, sep: string): void {
  put(out, budget, open);
  for (let i = 0; i < pairs.length; i++) {
    if (budget.left <= 0) return;
    put(out, budget, `${i > 0 ? ', ' : ''}${pairs[i]![0]}${sep}`);
    write(pairs[i]![1], out, budget, depth + 1);
  }
  put(out, budget, '}');
}

function write(v: Json, out: string[], budget: Budget, depth: number): void {
  if (budget.left <= 0) return;
  if (v === null || typeof v !== 'object') {
    put(out, budget, typeof v === 'string' ? JSON.stringify(v.length > PREVIEW_CHARS ? v.slice(0, PREVIEW_CHARS) : v) : String(v));
    return;
  }
  if (depth > 8) {
    put(out, budget, '…');
    return;
  }
  if (Array.isArray(v)) return writeList(v, out, budget, depth, '[', ']');
  const o = v as { [k: string]: Json };
  if ('$tag' in o && Array.isArray(o.fields)) return writeList(o.fields, out, budget, depth, `${String(o.$tag)} {`, '}');
  if ('$bytes' in o) return void put(out, budget, `<${String(o.$bytes).length / 2} bytes>`);
  if ('$bigint' in o) return void put(out, budget, `${String(o.$bigint)}n`);
  if ('$date' in o) return void put(out, budget, String(o.$date));
  if ('$number' in o) return void put(out, budget, String(o.$number));
  if ('$undefined' in o) return void put(out, budget, 'undefined');
  if ('$c1' in o) return void put(out, budget, '<C1>');
  if ('$truncated' in o) return void put(out, budget, '…');
  if (Array.isArray(o.$set)) return writeList(o.$set, out, budget, depth, `Set(${o.$set.length}) {`, '}');
  if (Array.isArray(o.$typed) || (typeof o.$typed === 'string' && Array.isArray(o.values))) {
    return writeList(o.values as Json[], out, budget, depth, `${String(o.$typed)} [`, ']');
  }
  if (Array.isArray(o.$map)) {
    const pairs = (o.$map as Json[][]).map((p) => [preview(p[0]!), p[1]!] as const);
    return writePairs(pairs, out, budget, depth, `Map(${pairs.length}) {`, ' => ');
  }
  if (Array.isArray(o.$object)) {
    return writePairs((o.$object as Json[][]).map((p) => [preview(p[0]!), p[1]!] as const), out, budget, depth, '{', ': ');
  }
  writePairs(Object.keys(o).map((k) => [JSON.stringify(k), o[k]!] as const), out, budget, depth, '{', ': ');
}

function preview(v: Json): string {
  const out: string[] = [];
  write(v, out, { left: 40 }, 8);
  return out.join('');
}
