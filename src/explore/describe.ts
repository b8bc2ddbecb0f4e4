/*
 * The explorer's one window onto blob contents. Everything else in src/explore (the index scan,
 * the treemap, the API, the page) sees a blob only through `classLabel`, `describeBlob` and
 * `blobJson`. Blobs carry their writer's schema (a schema set, the last child key of a data
 * blob, over class schemas), so class and field names come from the store itself: the schema
 * blobs are read through `lookup` once per schema set and kept (they are few), then the CLI's
 * schema-aware view (src/view/blob-view.ts) labels the body. Schemaless blobs (the format of version 0.1) name
 * their type tag and show positional fields.
 */
import { C1, blobFormat } from '../codec/wire.js';
import { PagableError } from '../error.js';
import type { Await } from '../blobstore/interface.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { type BlobFetch, type Json, blobLabeller, blobViewJson, toJson, viewBlob } from '../view/blob-view.js';

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

/** Label of every schema blob (schema sets and class schemas): they group together. */
const SCHEMA_LABEL = '(schema)';

/** Schema blobs read so far, by key, and the labeller over them, per lookup function. */
interface SchemaCache {
  blobs: Map<DataKey, PagableData | undefined>;
  label: (blob: PagableData, key: DataKey) => string | undefined;
}
const caches = new WeakMap<BlobLookup, SchemaCache>();
const NO_LOOKUP: BlobLookup = () => undefined;

function cacheFor(lookup: BlobLookup): SchemaCache {
  let c = caches.get(lookup);
  if (c === undefined) {
    const blobs = new Map<DataKey, PagableData | undefined>();
    const fetch: BlobFetch = (k) => blobs.get(k);
    c = { blobs, label: blobLabeller(fetch) };
    caches.set(lookup, c);
  }
  return c;
}

/** Reads (once) the schema blobs `blob` needs: its schema set and the set's class schemas. */
function ensureSchema(blob: PagableData, key: DataKey, cache: SchemaCache, lookup: BlobLookup): Await<void> {
  const fmt = blobFormat(blob.data);
  if (fmt === 'schema') cache.blobs.set(key, blob);
  const setKey = fmt === 'data' ? blob.arcs[blob.arcs.length - 1] : fmt === 'schema' ? key : undefined;
  if (setKey === undefined) return;
  const pending: Array<Promise<void>> = [];
  const get = (k: DataKey, then?: (b: PagableData | undefined) => void): void => {
    if (cache.blobs.has(k)) {
      then?.(cache.blobs.get(k));
      return;
    }
    const put = (b: PagableData | undefined): void => {
      cache.blobs.set(k, b);
      then?.(b);
    };
    let r: Await<PagableData | undefined>;
    try {
      r = lookup(k);
    } catch {
      r = undefined;
    }
    if (r instanceof Promise) pending.push(r.then(put, () => put(undefined)));
    else put(r);
  };
  get(setKey, (set) => {
    for (const c of set?.arcs ?? []) get(c);
  });
  if (pending.length === 0) return;
  // A set read asynchronously queues its class schemas when it arrives: wait until nothing is left.
  const drain = async (): Promise<void> => {
    while (pending.length > 0) await pending.shift();
  };
  return drain();
}

/**
 * The treemap group of a blob: its tag, else its class name from the stored schema, `(schema)`
 * for schema blobs, `(plain data)` for a root that is not an instance.
 */
export function classLabel(blob: PagableData, lookup: BlobLookup = NO_LOOKUP, key?: DataKey): Await<string> {
  if (blob.data.length === 0) return CORRUPT_LABEL;
  const k = key ?? '';
  const fmt = blobFormat(blob.data);
  if (fmt === 'schema') return SCHEMA_LABEL;
  const cache = cacheFor(lookup);
  const done = ensureSchema(blob, k, cache, lookup);
  const label = (): string => {
    try {
      return cache.label(blob, k) ?? PLAIN_LABEL;
    } catch {
      return CORRUPT_LABEL;
    }
  };
  return done instanceof Promise ? done.then(label) : label();
}

/** The whole blob, field by field. A blob that does not decode is described with its error. */
export async function describeBlob(key: DataKey, blob: PagableData, lookup: BlobLookup = NO_LOOKUP): Promise<BlobDescription> {
  const cache = cacheFor(lookup);
  await ensureSchema(blob, key, cache, lookup);
  const label = await classLabel(blob, lookup, key);
  let view;
  try {
    view = viewBlob(key, blob, (k) => cache.blobs.get(k));
  } catch (e) {
    if (!PagableError.is(e)) throw e;
    return {
      key,
      bytes: blob.data.length,
      label,
      className: undefined,
      children: blob.arcs.slice(),
      tag: undefined,
      fields: [],
      fieldCount: 0,
      error: e.message,
    };
  }
  const base = { key, bytes: blob.data.length, label, className: view.className, tag: view.tag, children: view.children };
  const json = toJson(view.body);
  if (isInstance(json)) {
    const entries = Object.keys(json.fields).map((name) => [name, json.fields[name]!] as const);
    const fields = entries
      .slice(0, MAX_FIELDS)
      .map(([name, v], index) => ({ name, index, preview: previewOf(v), children: childLinks(v) }));
    return { ...base, fields, fieldCount: entries.length, error: undefined };
  }
  const body = view.body;
  const values = Array.isArray(body) && !isEscape(body) ? body : undefined;
  const fields: FieldDescription[] =
    values === undefined
      ? [{ name: undefined, index: 0, preview: previewOf(json), children: childLinks(json) }]
      : values.slice(0, MAX_FIELDS).map((v, index) => {
          const j = toJson(v);
          return { name: undefined, index, preview: previewOf(j), children: childLinks(j) };
        });
  return { ...base, fields, fieldCount: values?.length ?? 1, error: undefined };
}

/** The blob in the CLI's `show --json` form, for the page's "raw" view. */
export function blobJson(key: DataKey, blob: PagableData, lookup: BlobLookup = NO_LOOKUP): Json {
  const cache = cacheFor(lookup);
  return blobViewJson(
    viewBlob(key, blob, (k) => cache.blobs.get(k)),
    [],
  );
}

/** An instance in blob-view's JSON form: `{ $class, fields }`. */
function isInstance(j: Json): j is { $class: string; fields: { [k: string]: Json } } {
  return (
    typeof j === 'object' &&
    j !== null &&
    !Array.isArray(j) &&
    typeof j.$class === 'string' &&
    typeof j.fields === 'object' &&
    j.fields !== null
  );
}

/** The child indexes a field's value links to (`{ $child: n }` anywhere inside it). */
function childLinks(j: Json): number[] | undefined {
  const out: number[] = [];
  const stack: Json[] = [j];
  while (stack.length > 0 && out.length < 1000) {
    const v = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (typeof v.$child === 'number') {
      out.push(v.$child);
      continue;
    }
    for (const k of Object.keys(v)) stack.push(v[k]!);
  }
  return out.length === 0 ? undefined : out.sort((a, b) => a - b);
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

function writePairs(
  pairs: ReadonlyArray<readonly [string, Json]>,
  out: string[],
  budget: Budget,
  depth: number,
  open: string,
  sep: string,
): void {
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
  if (typeof o.$class === 'string' && typeof o.fields === 'object' && o.fields !== null && !Array.isArray(o.fields)) {
    const f = o.fields as { [k: string]: Json };
    return writePairs(
      Object.keys(f).map((k) => [k, f[k]!] as const),
      out,
      budget,
      depth,
      `${o.$class} {`,
      ': ',
    );
  }
  if (typeof o.$child === 'number')
    return void put(out, budget, `<child ${o.$child}: ${typeof o.key === 'string' ? o.key.slice(0, 8) + '…' : 'missing'}>`);
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
    return writePairs(
      (o.$object as Json[][]).map((p) => [preview(p[0]!), p[1]!] as const),
      out,
      budget,
      depth,
      '{',
      ': ',
    );
  }
  writePairs(
    Object.keys(o).map((k) => [JSON.stringify(k), o[k]!] as const),
    out,
    budget,
    depth,
    '{',
    ': ',
  );
}

function preview(v: Json): string {
  const out: string[] = [];
  write(v, out, { left: 40 }, 8);
  return out.join('');
}
