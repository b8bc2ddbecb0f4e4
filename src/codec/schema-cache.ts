import type { DataKey, PagableData } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import { type ClassDesc, SchemaBlobKind, parseClassBlob, parseSetBlob } from './schema-parser.js';
import { type SchemaSet, assembleSchemaSet, buildSchemaSet } from './schema-set.js';
import { C1_BYTE } from './wire.js';
import { RecordBlob, lastChildKey } from '../keys/record-blob.js';

/*
 * Schema sets are few (one per combination of classes a blob uses) and immutable under their key,
 * so they are cached for the whole process: the encoder finds a blob's set without encoding it
 * again, and the decoder normally has the set of a blob it reads without fetching anything. The
 * caches are shared by every storage: a schema blob read from a store is checked against its key
 * before it is cached, so a damaged store cannot change what another store's blobs decode with.
 */

/** Bounded: a hostile store could hold any number of distinct schemas. */
const MAX_CACHED = 4096;

/** Bumped whenever a cache forgets an entry (so the encoder knows when to remember its sets again). */
let forgets = 0;

function bounded<V>(m: Map<DataKey, V>, key: DataKey, v: V): void {
  if (m.size >= MAX_CACHED) {
    // Forget the oldest; what this process writes is remembered again when next written.
    const first = m.keys().next();
    if (!first.done) m.delete(first.value);
    forgets++;
  }
  m.set(key, v);
}

/** Complete sets by key. */
const sets = new Map<DataKey, SchemaSet>();
/** Fetched class schemas by key. */
const classes = new Map<DataKey, [ClassDesc, PagableData]>();
/** Fetched set blobs whose class schemas are not all here yet. */
const setBlobs = new Map<DataKey, PagableData>();

/** The set stored under `key`, if this process has all of it. */
export function cachedSchemaSet(key: DataKey): SchemaSet | undefined {
  return sets.get(key);
}

/**
 * The sets data blobs read in place named last, by their key's bytes: a direct-mapped memo (slot
 * by the key's first byte), so a page-in finds a blob's set from the bytes of its last child key
 * with no key string and no map lookup. A set never changes under its key, so a memo entry stays
 * right after the map forgets the set.
 */
const MEMO = 64;
const memoKeys = new Uint8Array(16 * MEMO);
const memoSets = new Array<SchemaSet | undefined>(MEMO).fill(undefined);

/** The schema set data blob `blob` names (its last child key), if this process has all of it. */
export function blobSchemaSet(blob: PagableData): SchemaSet | undefined {
  if (!(blob instanceof RecordBlob)) {
    const k = lastChildKey(blob);
    return k === undefined ? undefined : sets.get(k);
  }
  const n = blob.children;
  if (n === 0) return undefined;
  const b = blob.keyBytes;
  const at = blob.keysAt + 16 * (n - 1);
  const slot = b[at]! & (MEMO - 1);
  const o = 16 * slot;
  let i = 0;
  while (i < 16 && memoKeys[o + i] === b[at + i]) i++;
  if (i === 16 && memoSets[slot] !== undefined) return memoSets[slot];
  const set = sets.get(blob.lastKey()!);
  if (set !== undefined) {
    for (let j = 0; j < 16; j++) memoKeys[o + j] = b[at + j]!;
    memoSets[slot] = set;
  }
  return set;
}

/** Adds a fetched schema blob (a set or a class schema) after checking it against its key; CORRUPT otherwise. */
export function addSchemaBlob(key: DataKey, blob: PagableData): void {
  if (sets.has(key) || classes.has(key) || setBlobs.has(key)) return;
  if (computeKey(blob) !== key) throw new PagableError('CORRUPT', `schema blob ${key}: its content does not match its key`);
  const d = blob.data;
  if (d[0] === C1_BYTE && d[1] === C1_BYTE && d[2] === SchemaBlobKind.Class) {
    bounded(classes, key, [parseClassBlob(key, blob), blob]);
  } else {
    parseSetBlob(key, blob);
    bounded(setBlobs, key, blob);
  }
}

/**
 * The schema blobs still missing to read set `key` ([] once it is complete and cached): the set
 * blob itself, or its class schemas. CORRUPT when a key holds the other kind of schema blob.
 */
export function missingSchemaBlobs(key: DataKey): DataKey[] {
  if (sets.has(key)) return [];
  if (classes.has(key)) throw new PagableError('CORRUPT', `schema set ${key}: is a class schema, not a set`);
  const blob = setBlobs.get(key);
  if (blob === undefined) return [key];
  const missing: DataKey[] = [];
  for (const k of blob.arcs) {
    if (setBlobs.has(k) || sets.has(k)) throw new PagableError('CORRUPT', `schema set ${key}: its child ${k} is a set, not a class schema`);
    if (!classes.has(k)) missing.push(k);
  }
  if (missing.length > 0) return missing;
  const parts = blob.arcs.map((k) => classes.get(k)!);
  const set = assembleSchemaSet(
    key,
    blob,
    parts.map((p) => p[0]),
    undefined,
    blob.arcs.map((k, i) => [k, parts[i]![1]] as const),
  );
  setBlobs.delete(key);
  bounded(sets, key, set);
  return [];
}

/** A node of the trie of class lists the encoder has written sets for (children by class id). */
interface Node {
  readonly next: Map<number, Node>;
  set: SchemaSet | undefined;
  /** `forgets` when the set was last put in the cache. */
  cachedAt: number;
}

const trie: Node = { next: new Map(), set: undefined, cachedAt: -1 };

/** The schema set of the first `count` of `list` (closed, in first-use order), built and cached on first use. */
export function schemaSetOf(list: readonly ClassMeta[], count: number = list.length): SchemaSet {
  let node = trie;
  for (let i = 0; i < count; i++) {
    const m = list[i]!;
    let n = node.next.get(m.id);
    if (n === undefined) node.next.set(m.id, (n = { next: new Map(), set: undefined, cachedAt: -1 }));
    node = n;
  }
  let set = node.set;
  // Class ids are never reused (redefined metadata gets a new one), so a path names one list.
  if (set === undefined) node.set = set = buildSchemaSet(list.slice(0, count));
  if (node.cachedAt !== forgets) {
    if (sets.get(set.key) !== set) bounded(sets, set.key, set);
    node.cachedAt = forgets;
  }
  return set;
}
