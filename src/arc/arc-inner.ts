/*
 * The shared state of one arc, and its state machine.
 *
 *                 ┌─────────────┐
 *                 │  ArcInner   │  one per arc; shared by every handle on it
 *                 │ pinnedCount │
 *                 │ value / key │
 *                 │ host        │  the storage it pages through
 *                 └──────▲──────┘
 *          ┌─────────────┼──────────────┐
 *   ┌──────┴─────┐ ┌─────┴──────┐ ┌─────┴────────────┐
 *   │ PagableArc │ │ PagableArc │ │ PinnedPagableArc │
 *   │  pinned    │ │  unpinned  │ │ (always pinned)  │
 *   └────────────┘ └────────────┘ └──────────────────┘
 *
 * Invariant: pinnedCount == (PagableArc handles in their Pinned state) + (live PinnedPagableArcs),
 * and a value is resident whenever pinnedCount > 0. A resident value without a key is never
 * dropped; a value with a key is dropped as soon as nobody pins it (it can be fetched again).
 *
 *              pin (fetch + decode, single flight)
 *   PagedOut ──────────────► Loading ──────────────► Pinned ◄────────────┐
 *      ▲                                               │ last pin ends   │ pin (no I/O)
 *      │                                 has key ┌─────┴─────┐ no key    │
 *      │◄────────────────────────────────────────┘           ▼           │
 *      │                                                 Scheduled ──────┤
 *      │          pageOutPending(): encoded, stored,         │           │
 *      └──────────── key set, value dropped ◄────────────────┘           │
 *                                                                        │
 *   Unpinned: resident, no pin, no key, not queued (a value whose page-out failed, or whose
 *   storage closed); it stays resident, and a pin makes it Pinned again ─┘
 *
 * JavaScript is single threaded, so the transitions need no atomics; what Rust does with a
 * compare-and-swap is here a check and a write in one synchronous step. The only concurrency
 * is between awaits: concurrent pins of a PagedOut arc share one page-in (`loading`), and a
 * pin that resumes after its page-in was undone by a release simply tries again.
 */
import type { DataKey } from '../keys/data.js';
import type { RootSchema } from '../metadata/schema.js';
import type { ArcHost } from './arc-host.js';
import { deepFreeze } from './freeze.js';

/** Where an arc is in its life; see the module comment. */
export type ArcState = 'Pinned' | 'Scheduled' | 'Unpinned' | 'Loading' | 'PagedOut';

/** The state shared by every handle on one arc. */
export class ArcInner {
  value: unknown;
  resident: boolean;
  key: DataKey | undefined;
  pinnedCount: number;
  /** The blob layout: set from the declaring field, or inferred from the value at page-out. */
  root: RootSchema | undefined;
  readonly host: ArcHost;
  /** True while in its storage's page-out queue (so repeated unpins queue it once). */
  scheduled = false;
  /** Single flight: the page-in in progress, shared by concurrent pins. */
  loading: Promise<void> | undefined = undefined;

  constructor(host: ArcHost, value: unknown, resident: boolean, key: DataKey | undefined, root: RootSchema | undefined, pinnedCount: number) {
    this.host = host;
    this.value = value;
    this.resident = resident;
    this.key = key;
    this.root = root;
    this.pinnedCount = pinnedCount;
  }

  /** The state, derived from the fields (nothing stores it twice). */
  get state(): ArcState {
    if (!this.resident) return this.loading === undefined ? 'PagedOut' : 'Loading';
    if (this.pinnedCount > 0) return 'Pinned';
    return this.scheduled ? 'Scheduled' : 'Unpinned';
  }

  /** One more pin, if the value is resident (Pinned, Scheduled or Unpinned); no I/O. */
  tryAcquire(): boolean {
    if (!this.resident) return false;
    this.pinnedCount++;
    return true;
  }

  /** One pin fewer; the last one drops the value (has key) or schedules a page-out (no key). */
  release(): void {
    if (this.pinnedCount <= 0) return;
    if (--this.pinnedCount > 0) return;
    if (this.key !== undefined) this.dropValue();
    else this.host.scheduleForPaging(this);
  }

  /** Records the key the value was stored under; an unpinned value is dropped at once. */
  setKey(key: DataKey): void {
    this.key = key;
    if (this.host.freezeValues && this.resident) deepFreeze(this.value);
    if (this.pinnedCount === 0) this.dropValue();
  }

  /** Makes a decoded value resident (the first of several racing page-ins wins). */
  settle(value: unknown): void {
    if (this.resident) return;
    this.value = value;
    this.resident = true;
    if (this.host.freezeValues) deepFreeze(value);
  }

  private dropValue(): void {
    this.value = undefined;
    this.resident = false;
  }
}
