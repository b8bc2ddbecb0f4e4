import type { DataKey, PagableData } from '../keys/data.js';
import { type ClassDesc, type TypeDesc, parseClassBlob, parseSetBlob } from '../codec/schema-parser.js';
import { type SchemaClass, type SchemaSet, assembleSchemaSet, describeType } from '../codec/schema-set.js';
import { C1_BYTE } from '../codec/wire.js';
import type { Json } from '../view/blob-view.js';
import { escapeControls } from './escape.js';

/*
 * `pagable schemas`: the classes a store's data was written with, one entry per class schema
 * blob (a class changed since is a second entry), each with its fields and the number of schema
 * sets (combinations of classes blobs use) that include it.
 */

/** One stored class schema. */
export interface StoredClass {
  key: DataKey;
  tag: string | undefined;
  name: string;
  fields: Array<{ name: string; kind: string; type: string }>;
  /** Schema sets that include it. */
  sets: number;
  /** The class as a set that includes it reads it (its types resolve in `set`); undefined when in no set. */
  source: { readonly cls: SchemaClass; readonly set: SchemaSet } | undefined;
}

function isSchema(b: PagableData, kind: number): boolean {
  return b.data[0] === C1_BYTE && b.data[1] === C1_BYTE && b.data[2] === kind;
}

function render(c: ClassDesc, key: DataKey, source: StoredClass['source']): StoredClass {
  const type = (t: TypeDesc): string => describeType(t, source?.set);
  return {
    key,
    tag: c.tag,
    name: c.name,
    fields: c.fields.map((f) => ({ name: f.name, kind: f.kind, type: type(f.type) })),
    sets: 0,
    source,
  };
}

/** Every class schema among `keys`, described with the names its sets give its inline classes. */
export async function storedClasses(keys: AsyncIterable<DataKey>, fetch: (k: DataKey) => PagableData | undefined): Promise<StoredClass[]> {
  const classes = new Map<DataKey, StoredClass>();
  const descs = new Map<DataKey, ClassDesc>();
  const sets: Array<[DataKey, PagableData]> = [];
  for await (const k of keys) {
    const b = fetch(k);
    if (b === undefined) continue;
    try {
      if (isSchema(b, 2)) descs.set(k, parseClassBlob(k, b));
      else if (isSchema(b, 1)) {
        parseSetBlob(k, b);
        sets.push([k, b]);
      }
    } catch {
      // A damaged schema blob is verify's to report; it describes nothing here.
    }
  }
  for (const [k, b] of sets) {
    const parts = b.arcs.map((c) => descs.get(c));
    if (parts.some((p) => p === undefined)) continue;
    let set: SchemaSet;
    try {
      set = assembleSchemaSet(k, b, parts as ClassDesc[]);
    } catch {
      continue;
    }
    set.classes.forEach((c) => {
      const entry = classes.get(c.key) ?? render(c, c.key, { cls: c, set });
      entry.sets++;
      classes.set(c.key, entry);
    });
  }
  for (const [k, d] of descs) if (!classes.has(k)) classes.set(k, render(d, k, undefined));
  const label = (c: StoredClass): string => c.tag ?? c.name;
  return [...classes.values()].sort((a, b) => (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : a.key < b.key ? -1 : 1));
}

/** The classes as text: one block per class, its fields indented. */
export function renderClasses(list: readonly StoredClass[]): string {
  if (list.length === 0) return '(no schemas: the store holds no data written with one)';
  const lines: string[] = [];
  for (const c of list) {
    const head = c.tag === undefined ? c.name : `${c.tag} (${c.name})`;
    lines.push(`${head}  ${c.key}  in ${c.sets} schema set${c.sets === 1 ? '' : 's'}`);
    for (const f of c.fields) lines.push(`  ${f.name}: ${f.type}`);
  }
  // Class, tag and field names come from the store.
  return lines.map((l) => escapeControls(l)).join('\n');
}

/** The classes as JSON. */
export function classesJson(list: readonly StoredClass[]): Json {
  return list.map((c) => ({ key: c.key, tag: c.tag ?? null, name: c.name, sets: c.sets, fields: c.fields.map((f) => ({ ...f })) }));
}
