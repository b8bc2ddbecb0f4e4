import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { PagableStorage } from '../paging/interface.js';
import { hostOf } from './arc-host.js';
import { ArcInner, type ArcState } from './arc-inner.js';
import { handleAccess, pinFromInner, pinReaper } from './handles.js';
import type { PinnedPagableArc } from './pinned-pagable-arc.js';

export { arcFromInner, innerOf, isPagableArc } from './handles.js';

const inspect = Symbol.for('nodejs.util.inspect.custom');

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
    handleAccess.newArc = <T>(inner: ArcInner, pinned: boolean) => new PagableArc<T>(inner, pinned);
    handleAccess.innerOfArc = (arc) => arc.#inner;
    handleAccess.isArc = (v) => typeof v === 'object' && v !== null && #inner in v;
  }

  /** A new arc holding `value`, bound to `storage`; it starts Pinned. */
  static new<T>(value: T, storage: PagableStorage): PagableArc<T> {
    return new PagableArc<T>(new ArcInner(hostOf(storage), value, true, undefined, undefined, 1), true);
  }

  /** True when both handles share one inner (the same arc), whatever their pin state. */
  static ptrEq(a: PagableArc<unknown>, b: PagableArc<unknown>): boolean {
    return a.#inner === b.#inner;
  }

  /** Makes the value resident (paging it in if needed) and takes one pin on it. */
  async #acquire(): Promise<void> {
    const inner = this.#inner;
    // A page-in may be undone by a release that runs before this continuation: loop until resident.
    while (!inner.tryAcquire()) {
      inner.loading ??= inner.host.pageIn(inner).finally(() => { inner.loading = undefined; });
      await inner.loading;
    }
  }

  #acquireSync(): void {
    const inner = this.#inner;
    if (inner.tryAcquire()) return;
    inner.host.pageInSync(inner);
    if (!inner.tryAcquire()) throw new PagableError('IO', `pinSync: arc ${inner.key ?? '(no key)'} could not be made resident`);
  }

  /**
   * Pins the value, paging it in if needed, and makes this handle Pinned (as the Rust crate's
   * `pin`): the handle keeps the value resident until `unpin()`. Concurrent pins of one
   * paged-out arc fetch and decode once and resolve to the same object. For access that leaves
   * the handle as it was, use `borrow()` or `use()`.
   */
  async pin(): Promise<PinnedPagableArc<T>> {
    await this.#acquire();
    this.#markPinned();
    return pinFromInner<T>(this.#inner);
  }

  /** `pin()` for storages that can fetch synchronously (memory, LMDB); IO error otherwise. */
  pinSync(): PinnedPagableArc<T> {
    this.#acquireSync();
    this.#markPinned();
    return pinFromInner<T>(this.#inner);
  }

  /**
   * A pin for one scope that leaves this handle's own state alone: `using b = await arc.borrow()`
   * — when `b` is released the value can be paged out again if this handle was unpinned.
   */
  async borrow(): Promise<PinnedPagableArc<T>> {
    await this.#acquire();
    return pinFromInner<T>(this.#inner);
  }

  /** `borrow()` for storages that can fetch synchronously. */
  borrowSync(): PinnedPagableArc<T> {
    this.#acquireSync();
    return pinFromInner<T>(this.#inner);
  }

  /** Runs `fn` on the value, pinned for the call only (the handle stays as it was). */
  async use<R>(fn: (value: T) => R | Promise<R>): Promise<R> {
    const pin = await this.borrow();
    try {
      return await fn(pin.value);
    } finally {
      pin.release();
    }
  }

  #markPinned(): void {
    // #acquire took one pin for the returned PinnedPagableArc; a handle becoming Pinned takes its own.
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

  /** Where the arc (shared by all its handles) is in its life: see ArcState. */
  get state(): ArcState {
    return this.#inner.state;
  }

  /** `Object.prototype.toString` names the class: `[object PagableArc]`. */
  get [Symbol.toStringTag](): string {
    return 'PagableArc';
  }

  /** `util.inspect` / console.log: state, pins and key, never the value (no paging for a log line). */
  [inspect](): string {
    const i = this.#inner;
    return `PagableArc <${i.state}${this.#pinned ? ', this handle pinned' : ''}, pins ${i.pinnedCount}${i.key ? `, key ${i.key}` : ''}>`;
  }
}
