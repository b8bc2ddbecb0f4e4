import type { DataKey, PagableData } from '../keys/data.js';
import type { ArcInner } from './arc-inner.js';
import type { ArcCache } from './arc-cache.js';

/**
 * What an arc needs from the storage it is bound to. Storages expose it under a module-private
 * symbol so that it is not part of their public surface.
 */
export interface ArcHost {
  /** Queue an Unpinned arc without a key for the next `pageOutPending()`. */
  scheduleForPaging(inner: ArcInner): void;
  /** Fetch and decode the arc's blob; resolves once `inner` is resident (single flight is the caller's). */
  pageIn(inner: ArcInner): Promise<void>;
  /** The same, synchronously; PagableError IO where the backend cannot fetch synchronously. */
  pageInSync(inner: ArcInner): void;
  /** Dev mode: deep-freeze values once they have a key. */
  readonly freezeValues: boolean;
  /** The inners of paged-out arcs by (class id, key): a @Lazy field decoded with the key gets the same arc. */
  readonly arcs: ArcCache;
  /** One blob of this storage (for copying it into another storage). */
  fetchData(key: DataKey): Promise<PagableData>;
}

/** The symbol under which a storage exposes its ArcHost. */
export const ARC_HOST: unique symbol = Symbol('pagable.arcHost');

/** Anything carrying an ArcHost (every PagableStorageBase). */
export interface HasArcHost { readonly [ARC_HOST]: ArcHost }
