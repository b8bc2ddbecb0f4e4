/*
 * The shared state of one arc while it is alive, and its state machine.
 *
 * An arc is alive while its value is resident, being loaded or pinned; then one ArcInner holds
 * its state. A PagedOut arc has no inner: its handles hold its ArcKind (storage + class) and its
 * key in compact form, which is all a PagedOut arc is. So a handle left behind by a page-out costs
 * the handle and 32 bytes of key, and nothing per arc stays in the storage.
 *
 *   ┌──────────────┐  live: key -> inner   ┌───────────────────┐
 *   │   ArcKind    │──────────────────────►│ keyed ArcInner    │◄──────────┐
 *   │ host, root   │◄──────────────────────│ value | PAGED_OUT │   pinned  │
 *   └──────▲───────┘         kind          │ pinnedCount, key  │           │
 *          │ kind + key                    │ scheduled|loading │   ┌───────┴──────────┐
 *   ┌──────┴───────┐                       └───────────────────┘   │ PagableArc,      │
 *   │ PagableArc   │  unpinned: the only form                      │ PinnedPagableArc │
 *   └──────────────┘  a PagedOut handle has                        └───────┬──────────┘
 *                                          ┌───────────────────┐           │ pinned, or
 *                                          │ own ArcInner      │◄──────────┘ attached
 *                                          │ (from a value)    │  (listed weakly)
 *                                          └───────────────────┘
 *
 * Two sorts of inner:
 * - own: made from a value (PagableArc.new, PinnedPagableArc.new). Its handles point at it
 *   ("attached") and it lists them weakly. It gets a key at page-out (or save); when it then goes
 *   PagedOut it dies and moves its listed handles to kind + key. It is never in `live`: a page-in
 *   never hands out a value it did not fetch.
 * - keyed: made by a pin through a kind + key handle (`ArcKind.open`), registered in the kind's
 *   `live` map until it goes PagedOut again. Every unpinned handle on that blob meets it there.
 *
 * Invariants:
 * - pinnedCount == (PagableArc handles Pinned on this inner) + (live PinnedPagableArcs on it), and
 *   the value is resident whenever pinnedCount > 0. A resident value without a key is never
 *   dropped; one with a key is dropped as soon as nobody pins it (it can be fetched again).
 * - A handle points at an inner only while it pins it or is attached to a live own inner; any
 *   other handle holds kind + key. Nothing keeps a PagedOut arc's inner: it is garbage.
 * - Identity: the same inner while alive; the same (storage, class, key) while PagedOut. So two
 *   arcs made from equal values are distinct while alive and one arc once both are PagedOut.
 *
 *              pin: kind.open(key) registers a keyed inner; fetch + decode (single flight)
 *   PagedOut ─────────────────────────► Loading ─────────────────► Pinned ◄──────────────┐
 *   (no inner) ◄── the fetch fails ────────┘                         │ last pin ends     │ pin
 *      ▲                                              has key ┌──────┴──────┐ no key     │ (no I/O)
 *      │◄─────────────────────────────────────────────────────┘             ▼            │
 *      │                                                                Scheduled ───────┤
 *      │       pageOutPending(): encoded, stored, key set, value             │           │
 *      └────── dropped, listed handles moved to kind + key ◄─────────────────┘           │
 *                                                                                        │
 *   Unpinned: resident, no pin, no key, not queued (a value whose page-out failed, or whose
 *   storage closed); it stays resident, and a pin makes it Pinned again ─────────────────┘
 *
 * Going PagedOut is an inner's death: it leaves `live`, and the next pin registers a new one.
 * JavaScript is single threaded, so the transitions need no atomics; what Rust does with a
 * compare-and-swap is here a check and a write in one synchronous step. The only concurrency is
 * between awaits: concurrent pins of a PagedOut arc meet one keyed inner and share its page-in
 * (`loading`), and a pin that resumes after its page-in was undone by a release (the inner died)
 * simply tries again on a fresh inner.
 */
import type { DataKey } from '../keys/data.js';
import type { RootSchema } from '../metadata/schema.js';
import type { ArcHost } from './arc-host.js';
import type { ArcKind } from './arc-kind.js';
import { deepFreeze } from './freeze.js';
import { handleAccess } from './handles.js';
import { keyOfId } from './key-id.js';

/** Where an arc is in its life; see the module comment. */
export type ArcState = 'Pinned' | 'Scheduled' | 'Unpinned' | 'Loading' | 'PagedOut';

/** The value slot of an inner whose value is not resident. */
const PAGED_OUT: unique symbol = Symbol('pagable.pagedOut');

/** Handles attached to an inner, held weakly: one, or a list. */
type Attached = WeakRef<object> | Array<WeakRef<object>>;

/** The state shared by every handle on one live arc. */
export class ArcInner {
  /** The value, or PAGED_OUT (resident folded in: one slot, no flag to keep in step). */
  #value: unknown;
  pinnedCount: number;
  /**
   * The key of the stored value once stored, in compact form (the `live` map's key); `key` is its
   * hex form, made on first use: a pin reads the blob by the id's bytes, so most inners that a
   * pin registers never need the hex string (~0.2 us and 80 bytes each).
   */
  id: string | undefined;
  #key: DataKey | undefined;
  /** Storage and layout (the layout is bound at page-out for arcs created from a value). */
  kind: ArcKind;
  /** Scheduled for page-out (true; only while resident without a key), or loading (the page-in, shared). */
  #pending: true | Promise<void> | undefined = undefined;
  /** Attached handles (see the module comment); null: none yet; undefined: unpinned handles hold kind + key. */
  #attached: Attached | null | undefined;
  /**
   * The page-out walk's mark (page-out.ts): the stamp of the run that met this arc last and the
   * index of its key in that run. The walk's identity map holds user objects; an arc is ours, so
   * it carries its own entry (a Map insert and lookup were ~0.35 us of a small arc's ~2.3 us save).
   */
  walkStamp = 0;
  walkKey = 0;

  private constructor(
    kind: ArcKind,
    value: unknown,
    key: DataKey | undefined,
    id: string | undefined,
    pinnedCount: number,
    attachable: boolean,
  ) {
    this.kind = kind;
    this.#value = value;
    this.#key = key;
    this.id = id;
    this.pinnedCount = pinnedCount;
    this.#attached = attachable ? null : undefined;
  }

  /** A new arc holding `value`, without a key, with `pinnedCount` pins already taken. */
  static resident(kind: ArcKind, value: unknown, pinnedCount: number): ArcInner {
    return new ArcInner(kind, value, undefined, undefined, pinnedCount, true);
  }

  /**
   * The inner of a PagedOut arc whose key has compact form `id`: registered by `ArcKind.open` when
   * a pin is about to load it, or a stand-in that the page-out walk reads.
   */
  static pagedOut(kind: ArcKind, id: string): ArcInner {
    return new ArcInner(kind, PAGED_OUT, undefined, id, 0, false);
  }

  /** The key of the stored value (hex), once stored. */
  get key(): DataKey | undefined {
    const id = this.id;
    return id === undefined ? undefined : (this.#key ??= keyOfId(id));
  }

  get host(): ArcHost {
    return this.kind.host;
  }

  /** The blob layout: from the declaring field, or inferred from the value at page-out. */
  get root(): RootSchema | undefined {
    return this.kind.root;
  }

  get resident(): boolean {
    return this.#value !== PAGED_OUT;
  }

  /** The resident value (undefined when not resident). */
  get value(): unknown {
    const v = this.#value;
    return v === PAGED_OUT ? undefined : v;
  }

  /** True while in its storage's page-out queue (so repeated unpins queue it once). */
  get scheduled(): boolean {
    return this.#pending === true;
  }

  set scheduled(on: boolean) {
    if (on) this.#pending = true;
    else if (this.#pending === true) this.#pending = undefined;
  }

  /** Single flight: the page-in in progress, shared by concurrent pins. */
  get loading(): Promise<void> | undefined {
    const p = this.#pending;
    return p === true ? undefined : p;
  }

  /** The state, derived from the fields (nothing stores it twice). */
  get state(): ArcState {
    if (this.#value === PAGED_OUT) return this.#pending === undefined ? 'PagedOut' : 'Loading';
    if (this.pinnedCount > 0) return 'Pinned';
    return this.#pending === true ? 'Scheduled' : 'Unpinned';
  }

  /** True while handles that are not pinning it point at it directly: created from a value, and alive. */
  get attachable(): boolean {
    return this.#attached !== undefined;
  }

  /** One more pin, if the value is resident (Pinned, Scheduled or Unpinned); no I/O. */
  tryAcquire(): boolean {
    if (this.#value === PAGED_OUT) return false;
    this.pinnedCount++;
    return true;
  }

  /** One pin fewer; the last one drops the value (has key) or schedules a page-out (no key). */
  release(): void {
    if (this.pinnedCount <= 0) return;
    if (--this.pinnedCount > 0) return;
    if (this.id !== undefined) this.#drop();
    else this.host.scheduleForPaging(this);
  }

  /** Starts the page-in, or joins the one in progress (single flight). */
  load(): Promise<void> {
    let p = this.#pending;
    if (p === undefined || p === true) {
      p = this.host.pageIn(this).finally(() => {
        this.#pending = undefined;
        // A failed page-in leaves the arc PagedOut: this inner is done.
        if (this.#value === PAGED_OUT) this.#die();
      });
      this.#pending = p;
    }
    return p;
  }

  /** Pages in synchronously (PagableError IO where the storage cannot); on failure the arc stays PagedOut. */
  loadSync(): void {
    try {
      this.host.pageInSync(this);
    } catch (e) {
      if (this.#value === PAGED_OUT && this.#pending === undefined) this.#die();
      throw e;
    }
  }

  /** Binds the layout a page-out wrote the value with, if none was known. */
  bindRoot(root: RootSchema): void {
    if (this.kind.root === undefined) this.kind = this.host.kindFor(root);
  }

  /**
   * Records the key the value was stored under, in compact form (key-id.ts; the hex form is made
   * on first use); an unpinned value is dropped at once (the arc goes PagedOut). A pinned one
   * stays resident, and this inner stays apart from the keyed inner of its key until it dies: a
   * page-in never hands out a value it did not fetch.
   */
  setKey(id: string): void {
    this.#key = undefined;
    this.id = id;
    if (this.host.freezeValues && this.#value !== PAGED_OUT) deepFreeze(this.#value);
    if (this.pinnedCount === 0) this.#drop();
  }

  /** Makes a decoded value resident (the first of several racing page-ins wins). */
  settle(value: unknown): void {
    if (this.#value !== PAGED_OUT) return;
    this.#value = value;
    if (this.host.freezeValues) deepFreeze(value);
  }

  /** Lists a handle that points at this inner directly (a no-op when handles hold kind + key). */
  attach(handle: object): void {
    const a = this.#attached;
    if (a === undefined) return;
    const ref = new WeakRef(handle);
    if (a === null) {
      this.#attached = ref;
    } else if (!Array.isArray(a)) {
      this.#attached = [a, ref];
    } else {
      // Forget collected handles when the list reaches a power of two: amortised O(1) a handle.
      const n = a.length;
      if (n >= 8 && (n & (n - 1)) === 0) {
        let j = 0;
        for (let i = 0; i < n; i++) if (a[i]!.deref() !== undefined) a[j++] = a[i]!;
        a.length = j;
      }
      a.push(ref);
    }
  }

  #drop(): void {
    this.#value = PAGED_OUT;
    // Keyed by a save while queued: nothing is left to page out (the queue skips it).
    if (this.#pending === true) this.#pending = undefined;
    if (this.#pending === undefined) this.#die();
  }

  /** Back to PagedOut for good: out of `live`, attached handles moved to kind + key. */
  #die(): void {
    const live = this.kind.live;
    // Own inners list handles and are never in `live`; a keyed one is, unless it is a stand-in.
    if (this.#attached !== undefined) this.#detachAll();
    else if (live.get(this.id!) === this) live.delete(this.id!);
  }

  #detachAll(): void {
    const a = this.#attached;
    this.#attached = undefined;
    if (a === undefined || a === null) return;
    const detach = handleAccess.detach!;
    if (!Array.isArray(a)) {
      const h = a.deref();
      if (h !== undefined) detach(h, this);
      return;
    }
    for (const ref of a) {
      const h = ref.deref();
      if (h !== undefined) detach(h, this);
    }
  }
}
