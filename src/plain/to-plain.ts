import type { ArcHost } from '../arc/arc-host.js';
import { innerOf, innerOfPin, isPagableArc, isPinnedPagableArc } from '../arc/handles.js';
import { rootOfValue } from '../codec/encoder.js';
import { PagableError } from '../error.js';
import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import type { PagableStorage } from '../paging/interface.js';
import { PageOutRun } from '../paging/page-out.js';
import { type PlainExportOptions, type PlainGraph, plainGraph, plainGraphSync } from './plain-graph.js';

export type { Plain } from './plain-value.js';
export type { PlainExportOptions, PlainGraph } from './plain-graph.js';

/** The host of no arc: a run given it keys no arc and copies nothing (a view changes nothing). */
const NOWHERE: ArcHost = {
  scheduleForPaging: () => undefined,
  pageIn: () => Promise.reject(nowhere()),
  pageInSync: () => {
    throw nowhere();
  },
  freezeValues: false,
  frozenKeys: undefined,
  kindFor: () => {
    throw nowhere();
  },
  fetchData: () => Promise.reject(nowhere()),
};

function nowhere(): PagableError {
  return new PagableError('INVALID_ARGUMENT', 'toPlain: no arc is bound to the view of a graph');
}

/**
 * A live graph as plain (JSON) data, with class names: the graph is encoded as `save` would
 * encode it (nothing is stored, no arc changes), and each blob it would store is an entry of
 * `blobs` under its content key. `@Shared` children are entries of their own, referred to as
 * `{"$ref": key}`; `@Lazy` children stay references (`{"$ref": key, "lazy": true}`), never fetched
 * (`exportPlain` follows them in a store). A view for debugging, migration scripts and API
 * responses, not a format to store: the README lists its representation. A PagableArc or
 * PinnedPagableArc is viewed through its value, which must be resident. Whatever `save` refuses
 * fails the same way (NOT_PAGABLE, TYPE_MISMATCH...).
 */
export function toPlain(value: object): PlainGraph {
  let v: unknown = value;
  if (isPagableArc(value) || isPinnedPagableArc(value)) {
    const inner = isPagableArc(value) ? innerOf(value) : innerOfPin(value);
    if (inner === undefined) throw new PagableError('RELEASED', 'toPlain: the pin was released and holds nothing');
    if (!inner.resident) {
      throw new PagableError(
        'INVALID_ARGUMENT',
        `toPlain: the arc is paged out; pin it first, or use exportPlain(storage, '${inner.key}')`,
      );
    }
    v = inner.value;
  }
  if (typeof v !== 'object' || v === null) {
    throw new PagableError('TYPE_MISMATCH', `toPlain: expected an object, got ${v === null ? 'null' : typeof v}`);
  }
  const root = rootOfValue(v);
  // A run of its own: its blobs are read after it ends. An arc that already has a key stays a
  // reference (nothing is fetched).
  const run = new PageOutRun(NOWHERE);
  const key = run.keyAt(
    run.run({
      target: v,
      isArc: false,
      root,
      owner: undefined,
      field: root.k === 'class' ? root.cls.name : 'value',
    }),
  );
  const blobs = new Map<DataKey, PagableData>();
  for (let i = 0; i < run.batch.count; i++) blobs.set(run.batch.key(i), run.batch.data(i));
  return plainGraphSync(key, (k) => blobs.get(k), 0);
}

/**
 * The graph stored under `key` in `storage` as plain data (the form `toPlain` gives), read level by
 * level; `@Lazy` children are followed `depth` levels deep (default 0). What `pagable export` prints.
 * NOT_FOUND for a missing blob, CORRUPT for one that does not decode.
 */
export async function exportPlain(storage: PagableStorage, key: DataKey, options: PlainExportOptions = {}): Promise<PlainGraph> {
  const depth = options.depth ?? 0;
  if (!(depth === Infinity || (Number.isInteger(depth) && depth >= 0))) {
    throw new PagableError('INVALID_ARGUMENT', `exportPlain: depth must be a whole number >= 0 or Infinity, got ${String(depth)}`);
  }
  if (!isDataKey(key)) throw new PagableError('INVALID_ARGUMENT', `exportPlain: not a key (32 lowercase hex characters): ${String(key)}`);
  return plainGraph(key, (k) => storage.fetchData(k), depth);
}
