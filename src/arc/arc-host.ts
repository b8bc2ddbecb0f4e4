import { PagableError } from '../error.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { RootSchema } from '../metadata/schema.js';
import type { PagableStorage } from '../paging/interface.js';
import type { ArcInner } from './arc-inner.js';
import type { ArcKind } from './arc-kind.js';
import type { FrozenKeys } from './frozen-keys.js';

/**
 * What an arc needs from the storage it is bound to: the paging runtime implements it and
 * exposes it under a module-private symbol, so it is not part of the storages' public surface.
 * This is the only way arc/ reaches the runtime (paging depends on arc, never the reverse).
 */
export interface ArcHost {
  /** Queue an arc that became unpinned without a key for the next `pageOutPending()`. */
  scheduleForPaging(inner: ArcInner): void;
  /** Fetch and decode the arc's blob; resolves once `inner` is resident (single flight is the caller's). */
  pageIn(inner: ArcInner): Promise<void>;
  /** The same, synchronously; PagableError IO where the backend cannot fetch synchronously. */
  pageInSync(inner: ArcInner): void;
  /** Dev mode: deep-freeze values once they have a key. */
  readonly freezeValues: boolean;
  /** With `freezeValues`: the keys of frozen objects stored or loaded here, for re-saving them without re-encoding. */
  readonly frozenKeys: FrozenKeys | undefined;
  /**
   * The kind of this storage's arcs with layout `root` (undefined: created from a value, layout
   * not known yet). Its `live` map is how every handle on one blob meets the same inner.
   */
  kindFor(root: RootSchema | undefined): ArcKind;
  /** One blob of this storage (for copying it into another storage). */
  fetchData(key: DataKey): Promise<PagableData>;
}

/** The symbol under which a storage exposes its ArcHost. */
export const ARC_HOST: unique symbol = Symbol('pagable.arcHost');

/** Anything carrying an ArcHost (every PagableStorageBase). */
export interface HasArcHost {
  readonly [ARC_HOST]: ArcHost;
}

/** The ArcHost of a storage, or NOT_PAGABLE when it is not a PagableStorageBase. */
export function hostOf(storage: PagableStorage): ArcHost {
  const host = (storage as Partial<HasArcHost> | null)?.[ARC_HOST];
  if (host === undefined) {
    throw new PagableError(
      'NOT_PAGABLE',
      'arcs need a storage built on PagableStorageBase (InMemoryPagableStorage, LmdbPagableStorage, ...)',
    );
  }
  return host;
}
