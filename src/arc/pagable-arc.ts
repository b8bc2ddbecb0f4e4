import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { PagableStorage } from '../paging/interface.js';
import { ARC_HOST, type ArcHost, type HasArcHost } from './arc-host.js';
import { ArcInner } from './arc-inner.js';
import { PinnedPagableArc, pinnedFromInner } from './pinned-pagable-arc.js';

/** The ArcHost of a storage, or NOT_PAGABLE when it is not a PagableStorageBase. */
export function hostOf(storage: PagableStorage): ArcHost {
  const host = (storage as Partial<HasArcHost> | null)?.[ARC_HOST];
  if (host === undefined) {
    throw new PagableError('NOT_PAGABLE', 'arcs need a storage that extends PagableStorageBase (InMemoryPagableStorage, LmdbPagableStorage, ...)');
  }
  return host;
}

/**
 * JavaScript has no Drop: a Pinned handle that becomes garbage (typically one inside a value that
 * was paged out and dropped) would keep its arc pinned forever. When the GC collects such a
 * handle, its pin is released, as Rust's drop does; explicit `unpin()` stays the prompt way.
 */
export const pinReaper = new FinalizationRegistry<ArcInner>((inner) => inner.release());

/** Internal access to a handle's shared state (for the codec and the storages). */
export let innerOf: (arc: PagableArc<unknown>) => ArcInner;
/** Internal: a handle on an existing inner. */
export let arcFromInner: <T>(inner: ArcInner, pinned: boolean) => PagableArc<T>;
/** True for a PagableArc handle. */
export let isPagableArc: (v: unknown) => v is PagableArc<unknown>;

/**
 * A handle on a value that may be paged out of memory and back. The value is resident while any
 * handle is Pinned or any PinnedPagableArc lives; after the last pin goes it is written to its
 * storage (on `pageOutPending()`) and dropped for the GC. `pin()` brings it back.
 *
 * Values held by arcs are immutable once stored: the blob is named by their content.
 */
export class PagableArc<T> {
  readonly #inner: ArcInner;
  #pinned: boolean;

  private constructor(inner: ArcInner, pinned: boolean) {
    this.#inner = inner;
    this.#pinned = pinned;
    if (pinned) pinReaper.register(this, inner, this);
  }

  static {
    innerOf = (arc) => arc.#inner;
    arcFromInner = <T>(inner: ArcInner, pinned: boolean) => new PagableArc<T>(inner, pinned);
    isPagableArc = (v: unknown): v is PagableArc<unknown> => typeof v === 'object' && v !== null && #inner in v;
  }

  /** A new arc holding `value`, bound to `storage`; it starts Pinned. */
  static new<T>(value: T, storage: PagableStorage): PagableArc<T> {
    return new PagableArc<T>(new ArcInner(hostOf(storage), value, true, undefined, undefined, 1), true);
  }

  /** True when both handles share one inner (the same arc), whatever their pin state. */
  static ptrEq(a: PagableArc<unknown>, b: PagableArc<unknown>): boolean {
    return a.#inner === b.#inner;
  }

  /**
   * Pins the value, paging it in if needed, and makes this handle Pinned. Concurrent pins of one
   * paged-out arc fetch and decode once and resolve to the same object.
   */
  async pin(): Promise<PinnedPagableArc<T>> {
    const inner = this.#inner;
    // A page-in may be undone by a release that runs before this continuation: loop until resident.
    while (!inner.tryAcquire()) {
      inner.loading ??= inner.host.pageIn(inner).finally(() => { inner.loading = undefined; });
      await inner.loading;
    }
    this.#markPinned();
    return pinnedFromInner<T>(inner);
  }

  /** `pin()` for storages that can fetch synchronously (memory, LMDB); IO error otherwise. */
  pinSync(): PinnedPagableArc<T> {
    const inner = this.#inner;
    if (!inner.tryAcquire()) {
      inner.host.pageInSync(inner);
      if (!inner.tryAcquire()) throw new PagableError('IO', `pinSync: arc ${inner.key ?? '(no key)'} could not be made resident`);
    }
    this.#markPinned();
    return pinnedFromInner<T>(inner);
  }

  #markPinned(): void {
    if (!this.#pinned) {
      this.#pinned = true;
      this.#inner.pinnedCount++;
      pinReaper.register(this, this.#inner, this);
    }
  }

  /** This handle stops keeping the value resident; a no-op if it already does not. */
  unpin(): void {
    if (this.#pinned) {
      this.#pinned = false;
      pinReaper.unregister(this);
      this.#inner.release();
    }
  }

  /** Another handle on the same arc: Pinned iff this one is and the value is resident. */
  clone(): PagableArc<T> {
    const inner = this.#inner;
    const pinned = this.#pinned && inner.tryAcquire();
    return new PagableArc<T>(inner, pinned);
  }

  /** True when only the key is held: the value is gone until pinned. */
  get isPagedOut(): boolean {
    return !this.#inner.resident;
  }

  /** This handle's own state. */
  get isPinned(): boolean {
    return this.#pinned;
  }

  /** Pinned handles plus live pins, over all handles of this arc. */
  get pinnedCount(): number {
    return this.#inner.pinnedCount;
  }

  /** The key of the stored value, once it has been paged out or saved. */
  get dataKey(): DataKey | undefined {
    return this.#inner.key;
  }

  /** A peek for debugging: the value if resident, without pinning. */
  get [Symbol.toStringTag](): string {
    return `PagableArc(${this.#inner.resident ? (this.#pinned ? 'Pinned' : 'resident') : 'PagedOut'}${this.#inner.key ? ' ' + this.#inner.key : ''})`;
  }
}
