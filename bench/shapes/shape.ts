/*
 * A workload shape: one kind of graph a user pages, built deterministically, in every form the
 * bench compares (decorated classes for pagable, plain objects for msgpackr and lmdb-js, a
 * class-transformer model), plus the per-blob pieces its floor is measured on.
 */
import type { PagableStorage } from '../../src/index.js';

/** How big a shape is built: `full` for `npm run bench`, `tiny` for --quick and the smoke test. */
export type ShapeSize = 'full' | 'tiny';

/** The bars of one shape (ratios, higher is better; undefined: reported, not judged). */
export interface ShapeBars {
  /** floor time / save time. */
  saveVsFloor: number;
  /** pack time / save time. */
  saveVsPack?: number;
  /** unpack time / load time. */
  loadVsUnpack: number;
  /** class-transformer round trip time / pagable round trip time. */
  roundTrip: number;
  /** raw lmdb-js time / LmdbPagableStorage time, for save and for load. */
  lmdb: number;
}

/** One built instance of a shape. */
export interface ShapeData {
  /** The decorated graph; its lazy arcs are bound to the storage given to `make` and pinned. */
  readonly root: object;
  /** The class `load` is called with. */
  readonly cls: abstract new () => object;
  /** A full page-in after `load`: pins every lazy arc (synchronously); the pins keep the values. */
  pinAll(loaded: object): unknown[];
  /** `value` (the original or a loaded copy, lazies pinned) as plain objects: equal bytes prove a round trip. */
  toPlain(value: object): unknown;
  /** The data as plain objects, as a msgpackr user would write it (shared objects by id or name). */
  readonly plain: unknown;
  /**
   * One plain piece per blob a save encodes (each distinct object at a blob boundary, content
   * duplicates included), with KEY_STANDIN where the blob refers to a child blob.
   */
  pieces(): unknown[];
  /** The documents a raw lmdb-js user would put, one per entity (plain objects), with their keys. */
  readonly documents: ReadonlyArray<readonly [string, unknown]>;
  /** The same data as instances of the class-transformer model, and its root class. */
  readonly ct: object;
  readonly ctClass: new () => object;
  /** What the shape holds, for the report. */
  readonly describe: Record<string, number | string>;
}

/** A workload shape. */
export interface Shape {
  /** Key in results.json `workloads`. */
  readonly id: string;
  readonly title: string;
  readonly bars: ShapeBars;
  make(size: ShapeSize, home: PagableStorage): ShapeData;
}

/** Where a per-blob piece refers to a child blob: 16 bytes, as a key. */
export const KEY_STANDIN: Uint8Array = new Uint8Array(16).fill(0xab);

/** Reads a pinned or resident lazy arc's value without keeping a pin. */
export function peek<T>(arc: { pinSync(): { value: T; release(): void } }): T {
  const p = arc.pinSync();
  const v = p.value;
  p.release();
  return v;
}

/** Every distinct object of `xs`, first occurrence first (identity). */
export function distinct<T extends object>(xs: Iterable<T>): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  for (const x of xs) {
    if (seen.has(x)) continue;
    seen.add(x);
    out.push(x);
  }
  return out;
}
