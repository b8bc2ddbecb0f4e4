import { ArcInner } from '../arc/arc-inner.js';
import type { ArcHost } from '../arc/arc-host.js';
import { type ArcCache, arcSlot, valueSlot } from '../arc/arc-cache.js';
import { arcFromInner } from '../arc/pagable-arc.js';
import type { DataKey, PagableData } from '../codec/data.js';
import { BlobDecoder, type DecodeContext } from '../codec/decoder.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import type { RootSchema } from '../metadata/schema.js';

/** A blob the run still needs. */
export interface Wanted {
  readonly key: DataKey;
  readonly root: RootSchema;
  readonly slot: string;
}

/** The class id part of an arc-cache slot: the declared class's, or 0 for plain data. */
export function classId(root: RootSchema): number {
  return root.k === 'class' && root.meta !== undefined ? root.meta.id : 0;
}

/**
 * The page-in engine: decodes a root blob and, breadth first, every @Shared blob below it; @Lazy
 * children become PagedOut arcs and are not fetched. It never fetches by itself: a driver (sync or
 * async, in the storage) takes `wanted`, fetches, and `supply`s, so one engine serves both
 * `pin()` and `pinSync()`. Identity: a blob decoded as the same class yields one object per run,
 * and per storage while it lives (the arc cache).
 */
export class PageInRun implements DecodeContext {
  private readonly decoder = new BlobDecoder(this);
  private readonly decoded = new Map<string, unknown>();
  private readonly queued = new Set<string>();
  private readonly fixups: Array<{ holder: Record<string | number, unknown>; slot: string | number; from: string }> = [];
  private readonly hooks: Array<[object, ClassMeta]> = [];
  /** [start, end) of each blob's hooks in `hooks`, in decode order. */
  private readonly hookRanges: number[] = [];
  /** Blobs to fetch next. */
  wanted: Wanted[] = [];
  private readonly rootSlot: string;
  private rootValue: unknown;

  constructor(private readonly host: ArcHost, private readonly cache: ArcCache, key: DataKey, root: RootSchema) {
    this.rootSlot = valueSlot(classId(root), key);
    const hit = cache.get(this.rootSlot);
    if (hit !== undefined) {
      this.rootValue = hit;
      this.decoded.set(this.rootSlot, hit);
    } else {
      this.want(key, root, this.rootSlot);
    }
  }

  private want(key: DataKey, root: RootSchema, slot: string): void {
    if (this.queued.has(slot)) return;
    this.queued.add(slot);
    this.wanted.push({ key, root, slot });
  }

  /** Decodes a fetched blob (which may queue more). */
  supply(w: Wanted, blob: PagableData): void {
    // Another page-in may have restored this blob while this one was fetching it: share its object.
    const existing = this.cache.get(w.slot);
    let value: unknown = existing;
    if (existing === undefined) {
      const start = this.hooks.length;
      value = this.decoder.decode(blob, w.root, w.key);
      if (this.hooks.length > start) this.hookRanges.push(start, this.hooks.length);
      if (typeof value === 'object' && value !== null) this.cache.set(w.slot, value);
    }
    this.decoded.set(w.slot, value);
    if (w.slot === this.rootSlot) this.rootValue = value;
  }

  /** Links shared children into their holders, runs after-page-in hooks (children first). */
  finish(): unknown {
    for (const f of this.fixups) f.holder[f.slot] = this.decoded.get(f.from);
    // Blobs decode parents first, so later blobs are children: run them first. Within a blob the
    // decoder already recorded instances innermost first.
    for (let r = this.hookRanges.length - 2; r >= 0; r -= 2) {
      for (let i = this.hookRanges[r]!; i < this.hookRanges[r + 1]!; i++) {
        const [obj, meta] = this.hooks[i]!;
        meta.restored!(obj);
      }
    }
    return this.rootValue;
  }

  shared(key: DataKey, root: RootSchema, holder: object, slot: string | number): unknown {
    const s = valueSlot(classId(root), key);
    let v = this.decoded.get(s);
    if (v === undefined) {
      v = this.cache.get(s);
      if (v !== undefined) this.decoded.set(s, v);
    }
    if (v !== undefined) return v;
    this.fixups.push({ holder: holder as Record<string | number, unknown>, slot, from: s });
    this.want(key, root, s);
    return undefined;
  }

  lazy(key: DataKey, root: RootSchema): unknown {
    const s = arcSlot(classId(root), key);
    let inner = this.cache.get(s) as ArcInner | undefined;
    if (inner === undefined) {
      inner = new ArcInner(this.host, undefined, false, key, root, 0);
      this.cache.set(s, inner);
    }
    return arcFromInner(inner, false);
  }

  restored(obj: object, meta: ClassMeta): void {
    this.hooks.push([obj, meta]);
  }
}
