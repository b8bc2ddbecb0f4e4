import type { DataKey, PagableData } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import { type SchemaSet, buildSchemaSet, parseSchemaSet } from './schema-set.js';

/*
 * Schema sets are few (one per combination of classes a blob uses) and immutable under their key,
 * so they are cached for the whole process: the encoder finds a blob's set without encoding it
 * again, and the decoder normally has the set of a blob it reads without fetching it. Both caches
 * are shared by every storage: a set read from one store is verified against its key before it
 * is cached, so a damaged store cannot poison what another store's blobs decode with.
 */

/** Sets by key. Bounded: a hostile store could hold any number of distinct sets. */
const byKey = new Map<DataKey, SchemaSet>();
const MAX_CACHED = 4096;

function remember(set: SchemaSet): void {
  if (byKey.size >= MAX_CACHED) {
    // Forget the oldest; sets this process writes are remembered again when next written.
    const first = byKey.keys().next();
    if (!first.done) byKey.delete(first.value);
  }
  byKey.set(set.key, set);
}

/** The set stored under `key`, if this process has it. */
export function cachedSchemaSet(key: DataKey): SchemaSet | undefined {
  return byKey.get(key);
}

/** Parses a fetched schema-set blob, checks it against its key, and caches it; CORRUPT otherwise. */
export function addSchemaSet(key: DataKey, blob: PagableData): SchemaSet {
  const known = byKey.get(key);
  if (known !== undefined) return known;
  if (computeKey(blob) !== key) throw new PagableError('CORRUPT', `schema set ${key}: its content does not match its key`);
  const set = parseSchemaSet(key, blob);
  remember(set);
  return set;
}

/** A node of the trie of class lists the encoder has written sets for. */
interface Node {
  readonly next: WeakMap<ClassMeta, Node>;
  set: SchemaSet | undefined;
}

const trie: Node = { next: new WeakMap(), set: undefined };

/** The schema set of `classes` (closed, in first-use order), built and cached on first use. */
export function schemaSetOf(classes: readonly ClassMeta[]): SchemaSet {
  let node = trie;
  for (const m of classes) {
    let n = node.next.get(m);
    if (n === undefined) node.next.set(m, (n = { next: new WeakMap(), set: undefined }));
    node = n;
  }
  let set = node.set;
  if (set === undefined) {
    node.set = set = buildSchemaSet(classes);
    remember(set);
  } else if (byKey.get(set.key) !== set) {
    remember(set);
  }
  return set;
}
