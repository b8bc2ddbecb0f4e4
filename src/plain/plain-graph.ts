import { type BlobFetch, type ChildView, viewBlob } from '../view/blob-view.js';
import { SchemaPrefetch } from '../view/schema-prefetch.js';
import { blobFormat } from '../codec/wire.js';
import { PagableError } from '../error.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { type Plain, PlainWriter } from './plain-value.js';

/**
 * A graph as plain (JSON) data, blob by blob: `blobs[root]` is the root, and each `{"$ref": key}`
 * inside a blob names another entry of `blobs`, or, for a lazy child not followed, a blob left out.
 * A view for debugging, migration scripts and API responses, not a format to store or load from:
 * the store's blobs are the data (see plain-value.ts for the representation).
 */
export interface PlainGraph {
  /** The key of the root's blob. */
  readonly root: DataKey;
  /** Each blob reached, in breadth-first order from the root, by key. */
  readonly blobs: { [key: DataKey]: Plain };
}

/** How far `exportPlain` follows lazy children. */
export interface PlainExportOptions {
  /** Levels of `@Lazy` children to include below the root (default 0: none, each stays a `$ref`). */
  depth?: number;
}

/** The children of a blob to visit, each with the lazy depth it is at. */
type Next = Array<[DataKey, number]>;

/** Looks blobs up and renders them one at a time (a walk supplies them). */
class Walk {
  readonly blobs: { [key: DataKey]: Plain } = {};
  private readonly seen = new Set<DataKey>();

  constructor(private readonly depth: number) {}

  /** Whether `key` at lazy depth `level` is to be visited (once). */
  wants(key: DataKey, level: number): boolean {
    if (level > this.depth || this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  /** Renders one level's blobs (in order) and returns the next level. */
  step(level: Next, blobs: ReadonlyArray<PagableData>, schemas: BlobFetch): Next {
    const next: Next = [];
    for (let i = 0; i < level.length; i++) {
      const [key, at] = level[i]!;
      for (const r of this.visit(key, blobs[i]!, schemas)) {
        const l = at + (r.lazy ? 1 : 0);
        if (this.wants(r.key!, l)) next.push([r.key!, l]);
      }
    }
    return next;
  }

  /** Renders `blob` (stored under `key`) into `blobs`; returns the child links it holds. */
  private visit(key: DataKey, blob: PagableData, schemas: BlobFetch): readonly ChildView[] {
    const where = `blob ${key}`;
    const fmt = blobFormat(blob.data);
    if (fmt === 'schema') throw new PagableError('INVALID_ARGUMENT', `${where} is a schema blob, not data (pagable schemas lists them)`);
    const view = viewBlob(key, blob, schemas, { depth: Infinity, nodes: Infinity });
    const w = new PlainWriter(where);
    if (view.format === 'schemaless') {
      // Written before schemas were stored: positional, and which values are child links is unknown.
      const body = w.of(view.body);
      this.blobs[key] = { ...(view.tag === undefined ? {} : { $class: view.tag }), $positional: body, $children: view.children };
      return [];
    }
    if (view.schema?.classes === undefined) {
      throw new PagableError(
        'CORRUPT',
        `${where}: its schema set ${view.schema?.key ?? '?'} cannot be read (${view.schema?.problem ?? ''})`,
      );
    }
    this.blobs[key] = w.of(view.body);
    return w.refs;
  }
}

/** The graph below `root` from blobs at hand (`get` finds data blobs and schema blobs alike). */
export function plainGraphSync(root: DataKey, get: BlobFetch, depth: number): PlainGraph {
  const walk = new Walk(depth);
  walk.wants(root, 0);
  let level: Next = [[root, 0]];
  while (level.length > 0) {
    const blobs = level.map(([key]) => get(key) ?? notFound(key));
    level = walk.step(level, blobs, get);
  }
  return { root, blobs: walk.blobs };
}

function notFound(key: DataKey): never {
  throw new PagableError('NOT_FOUND', `blob ${key} is not in the graph`);
}

/**
 * The stored graph below `root` as plain data, read from `fetch` (a storage's `fetchData`) one
 * level at a time: a level's blobs are fetched together. Lazy children are followed `depth`
 * levels deep; `@Shared` children always (they are part of their parent as `load` gives it).
 */
export async function plainGraph(root: DataKey, fetch: (key: DataKey) => Promise<PagableData>, depth: number): Promise<PlainGraph> {
  const walk = new Walk(depth);
  const schemas = new SchemaPrefetch(fetch);
  walk.wants(root, 0);
  let level: Next = [[root, 0]];
  while (level.length > 0) {
    const blobs = await Promise.all(level.map(([key]) => fetch(key)));
    await Promise.all(blobs.map((b, i) => schemas.ensure(b, level[i]![0])));
    level = walk.step(level, blobs, schemas.lookup);
  }
  return { root, blobs: walk.blobs };
}
