import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { PagableStorage } from '../paging/interface.js';
import { hostOf } from './arc-host.js';
import { ArcInner, type ArcState } from './arc-inner.js';
import type { ArcKind } from './arc-kind.js';
import { handleAccess, pinFromInner, pinReaper } from './handles.js';
import { keyId, keyOfId } from './key-id.js';
import type { PinnedPagableArc } from './pinned-pagable-arc.js';

export { arcFromInner, innerOf, isPagableArc, pagedOutArc, pagedOutArcOfId } from './handles.js';

const inspect = Symbol.for('nodejs.util.inspect.custom');

/** The `#id` of a handle that pins its inner. */
const PINNED: unique symbol = Symbol('pagable.pinned');

/**
 * A handle on a value that may be paged out of memory and back. The value is resident while any
 * handle is Pinned or any PinnedPagableArc lives; after the last pin goes it is written to its
 * storage (on `pageOutPending()`) and dropped for the GC. `pin()` brings it back.
 *
 * Values held by arcs are immutable once stored: the blob is named by their content. Two handles
 * on one stored blob, read as one class from one storage, are the same arc while it is PagedOut
 * (see arc-inner.ts): a paged-out handle holds nothing but that blob's key and the arc's kind.
 */
export class PagableArc<T> {
  /**
   * Two slots, three forms (see arc-inner.ts): Pinned (`#ref` the inner it pins, `#id` PINNED);
   * attached (`#ref` a live own inner, one made from a value; `#id` undefined); keyed (`#ref` the
   * ArcKind, `#id` the compact key: the only form a PagedOut handle has).
   */
  #ref: ArcInner | ArcKind;
  #id: string | typeof PINNED | undefined;

  private constructor(ref: ArcInner | ArcKind, id: string | typeof PINNED | undefined) {
    this.#ref = ref;
    this.#id = id;
  }

  /** A new handle on live `inner`; with `pinned`, its pin is already counted in the inner. */
  static #on<T>(inner: ArcInner, pinned: boolean): PagableArc<T> {
    let h: PagableArc<T>;
    if (pinned) {
      h = new PagableArc<T>(inner, PINNED);
      pinReaper.register(h, inner, h);
    } else if (inner.attachable) {
      h = new PagableArc<T>(inner, undefined);
    } else {
      return new PagableArc<T>(inner.kind, inner.id);
    }
    // Attached or not yet: listed, so the inner can move it to kind + key when it gets its key or dies.
    inner.attach(h);
    return h;
  }

  static {
    handleAccess.newArc = <T>(inner: ArcInner, pinned: boolean) => PagableArc.#on<T>(inner, pinned);
    handleAccess.pagedOutArc = <T>(kind: ArcKind, key: DataKey) => new PagableArc<T>(kind, keyId(key));
    handleAccess.pagedOutArcOfId = <T>(kind: ArcKind, id: string) => new PagableArc<T>(kind, id);
    handleAccess.innerOfArc = (arc) => {
      const live = PagableArc.#live(arc);
      if (live !== undefined) return live;
      const id = arc.#id as string;
      return ArcInner.pagedOut(arc.#ref as ArcKind, id);
    };
    handleAccess.isArc = (v) => typeof v === 'object' && v !== null && #ref in v;
    handleAccess.detach = (h, inner) => {
      if (!(h instanceof PagableArc) || h.#ref !== inner || h.#id !== undefined) return;
      h.#ref = inner.kind;
      h.#id = inner.id;
    };
  }

  /** A new arc holding `value`, bound to `storage`; it starts Pinned. */
  static new<T>(value: T, storage: PagableStorage): PagableArc<T> {
    const host = hostOf(storage);
    return PagableArc.#on<T>(ArcInner.resident(host.kindFor(undefined), value, 1), true);
  }

  /**
   * True when both handles are on the same arc, whatever their pin state: the same inner while
   * the arc is alive, the same (storage, class, key) while it is PagedOut.
   */
  static ptrEq(a: PagableArc<unknown>, b: PagableArc<unknown>): boolean {
    const ia = PagableArc.#live(a);
    const ib = PagableArc.#live(b);
    if (ia !== undefined || ib !== undefined) return ia === ib;
    // Both PagedOut, hence both keyed.
    return (a.#ref as ArcKind).live === (b.#ref as ArcKind).live && a.#id === b.#id;
  }

  /** The arc's inner while it is alive (resident, loading or pinned); undefined while PagedOut. */
  static #live(h: PagableArc<unknown>): ArcInner | undefined {
    const id = h.#id;
    // Pinned and attached handles point at a live inner (attached ones are moved when it dies).
    if (typeof id !== 'string') return h.#ref as ArcInner;
    return (h.#ref as ArcKind).live.get(id);
  }

  /** The live inner, or for a PagedOut arc a new one registered under its key. */
  static #open(h: PagableArc<unknown>): ArcInner {
    const id = h.#id;
    if (typeof id !== 'string') return h.#ref as ArcInner;
    return (h.#ref as ArcKind).open(id);
  }

  /** Makes the value resident (paging it in if needed) and takes one pin on it. */
  static async #acquire(h: PagableArc<unknown>): Promise<ArcInner> {
    // A page-in may be undone by a release that runs before this continuation (the inner then
    // died): loop until a pin is taken, on whichever inner is live by then.
    for (;;) {
      const inner = PagableArc.#open(h);
      if (inner.tryAcquire()) return inner;
      await inner.load();
    }
  }

  static #acquireSync(h: PagableArc<unknown>): ArcInner {
    const inner = PagableArc.#open(h);
    if (inner.tryAcquire()) return inner;
    inner.loadSync();
    if (!inner.tryAcquire()) throw new PagableError('IO', `pinSync: arc ${inner.key ?? '(no key)'} could not be made resident`);
    return inner;
  }

  /**
   * Pins the value, paging it in if needed, and makes this handle Pinned (as the Rust crate's
   * `pin`): the handle keeps the value resident until `unpin()`. Concurrent pins of one
   * paged-out arc fetch and decode once and resolve to the same object. For access that leaves
   * the handle as it was, use `borrow()` or `use()`.
   */
  async pin(): Promise<PinnedPagableArc<T>> {
    const inner = await PagableArc.#acquire(this);
    PagableArc.#markPinned(this, inner);
    return pinFromInner<T>(inner);
  }

  /** `pin()` for storages that can fetch synchronously (memory, LMDB); IO error otherwise. */
  pinSync(): PinnedPagableArc<T> {
    const inner = PagableArc.#acquireSync(this);
    PagableArc.#markPinned(this, inner);
    return pinFromInner<T>(inner);
  }

  /**
   * A pin for one scope that leaves this handle's own state alone: `using b = await arc.borrow()`
   * — when `b` is released the value can be paged out again if this handle was unpinned.
   */
  async borrow(): Promise<PinnedPagableArc<T>> {
    return pinFromInner<T>(await PagableArc.#acquire(this));
  }

  /** `borrow()` for storages that can fetch synchronously. */
  borrowSync(): PinnedPagableArc<T> {
    return pinFromInner<T>(PagableArc.#acquireSync(this));
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

  static #markPinned(h: PagableArc<unknown>, inner: ArcInner): void {
    // #acquire took one pin for the returned PinnedPagableArc; a handle becoming Pinned takes its own.
    if (h.#id !== PINNED) {
      inner.pinnedCount++;
      // An attached handle stays listed by its own inner; a keyed one pinned its kind's live inner.
      h.#ref = inner;
      h.#id = PINNED;
      pinReaper.register(h, inner, h);
    }
  }

  /** This handle stops keeping the value resident; a no-op if it already does not. */
  unpin(): void {
    if (this.#id !== PINNED) return;
    const inner = this.#ref as ArcInner;
    pinReaper.unregister(this);
    if (inner.attachable) {
      this.#id = undefined;
    } else {
      this.#ref = inner.kind;
      this.#id = inner.id;
    }
    // Last: the release may page the value out, which moves attached handles (this one too).
    inner.release();
  }

  /** Another handle on the same arc: Pinned iff this one is and the value is resident. */
  clone(): PagableArc<T> {
    const id = this.#id;
    if (typeof id === 'string') return new PagableArc<T>(this.#ref, id);
    const inner = this.#ref as ArcInner;
    return PagableArc.#on<T>(inner, id === PINNED && inner.tryAcquire());
  }

  /** True when only the key is held: the value is gone until pinned. */
  get isPagedOut(): boolean {
    const i = PagableArc.#live(this);
    return i === undefined || !i.resident;
  }

  /** This handle's own state. */
  get isPinned(): boolean {
    return this.#id === PINNED;
  }

  /** Pinned handles plus live pins, over all handles of this arc. */
  get pinnedCount(): number {
    return PagableArc.#live(this)?.pinnedCount ?? 0;
  }

  /** The key of the stored value, once it has been paged out or saved. */
  get dataKey(): DataKey | undefined {
    const id = this.#id;
    return typeof id === 'string' ? keyOfId(id) : (this.#ref as ArcInner).key;
  }

  /** Where the arc (shared by all its handles) is in its life: see ArcState. */
  get state(): ArcState {
    return PagableArc.#live(this)?.state ?? 'PagedOut';
  }

  /** `Object.prototype.toString` names the class: `[object PagableArc]`. */
  get [Symbol.toStringTag](): string {
    return 'PagableArc';
  }

  /** `util.inspect` / console.log: state, pins and key, never the value (no paging for a log line). */
  [inspect](): string {
    const key = this.dataKey;
    return `PagableArc <${this.state}${this.isPinned ? ', this handle pinned' : ''}, pins ${this.pinnedCount}${key ? `, key ${key}` : ''}>`;
  }
}
