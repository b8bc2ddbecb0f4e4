import type { DataKey, PagableData } from '../keys/data.js';
import { parseClassBlob } from '../codec/schema-parser.js';
import { type SchemaSet, assembleSchemaSet } from '../codec/schema-set.js';
import { MsgpackReader } from '../codec/msgpack-reader.js';
import { C1_BYTE, ESC_CLASS, blobFormat, readTagHeader } from '../codec/wire.js';
import { PagableError } from '../error.js';

/*
 * A data blob names its writer's schema by key, so anything that wants class names must first
 * fetch and assemble that schema from the store. The full view (blob-view.ts) and a graph walk's
 * per-node label (graph.ts) both need it; kept apart so the label reads only this, not the view.
 */

/** Reads another blob of the store (for a data blob's schema); undefined when absent. */
export type BlobFetch = (key: DataKey) => PagableData | undefined;

/** The schema set under `key`, read through `fetch`; a message instead when it cannot be read. */
export function readSchemaSet(key: DataKey, fetch: BlobFetch | undefined): SchemaSet | string {
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

/**
 * What names a blob in a graph, reading no more than its first bytes and its schema: the root's
 * tag or class name (a data blob), its tag (schemaless), or what a schema blob is. Sets are read once.
 */
export function blobLabeller(fetch: BlobFetch): (blob: PagableData, key: DataKey) => string | undefined {
  const sets = new Map<DataKey, SchemaSet | string>();
  return (blob, key) => {
    try {
      const d = blob.data;
      const fmt = blobFormat(d);
      if (fmt === 'schemaless') {
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
      return c === undefined ? undefined : (c.tag ?? c.name);
    } catch {
      return undefined;
    }
  };
}
