import { PagableError } from '../error.js';
import type { DataKey } from '../keys/data.js';
import type { ArcInner } from './arc-inner.js';
import type { ArcKind } from './arc-kind.js';
import type { PagableArc } from './pagable-arc.js';
import type { PinnedPagableArc } from './pinned-pagable-arc.js';

/*
 * The one place where the two handle classes meet. Each fills in its half from its static
 * block (only a class can reach its own #private state); each creates the other kind of handle
 * through here, so neither module imports the other at run time.
 *
 * The types do refer to each other, on purpose: `pin()` returns a PinnedPagableArc and
 * `unpin()`/`arc` return a PagableArc, and ArcInner (the state machine) hands out both through
 * this file. Those type-only references form the only import circle in arc/ (erased at
 * compile time; dependency-cruiser's no-circular rule checks the run-time graph, which has none):
 * splitting the pair's types into a third file would only move the circle.
 */

/** What each handle class registers. */
interface HandleAccess {
  newArc?: <T>(inner: ArcInner, pinned: boolean) => PagableArc<T>;
  pagedOutArc?: <T>(kind: ArcKind, key: DataKey) => PagableArc<T>;
  pagedOutArcOfId?: <T>(kind: ArcKind, id: string) => PagableArc<T>;
  innerOfArc?: (arc: PagableArc<unknown>) => ArcInner;
  /** Moves an unpinned handle attached to `inner` to the kind + key form (see arc-inner.ts). */
  detach?: (handle: object, inner: ArcInner) => void;
  isArc?: (v: unknown) => boolean;
  newPin?: <T>(inner: ArcInner) => PinnedPagableArc<T>;
  innerOfPin?: (pin: PinnedPagableArc<unknown>) => ArcInner | undefined;
  isPin?: (v: unknown) => boolean;
}

/** Filled in by PagableArc and PinnedPagableArc when their modules load. */
export const handleAccess: HandleAccess = {};

function missing(what: string): never {
  throw new PagableError('NOT_PAGABLE', `internal: ${what} is not loaded (import pagable from its package root)`);
}

/** A new PagableArc handle on `inner`; with `pinned`, its pin is already counted in the inner. */
export function arcFromInner<T>(inner: ArcInner, pinned: boolean): PagableArc<T> {
  return (handleAccess.newArc ?? missing('PagableArc'))<T>(inner, pinned);
}

/** A new unpinned handle on the PagedOut arc of blob `key` (a @Lazy field being decoded). */
export function pagedOutArc<T>(kind: ArcKind, key: DataKey): PagableArc<T> {
  return (handleAccess.pagedOutArc ?? missing('PagableArc'))<T>(kind, key);
}

/** The same, for a key already in compact form (key-id.ts), e.g. read from a blob's bytes. */
export function pagedOutArcOfId<T>(kind: ArcKind, id: string): PagableArc<T> {
  return (handleAccess.pagedOutArcOfId ?? missing('PagableArc'))<T>(kind, id);
}

/** A new pin on `inner`, whose count already includes it. */
export function pinFromInner<T>(inner: ArcInner): PinnedPagableArc<T> {
  return (handleAccess.newPin ?? missing('PinnedPagableArc'))<T>(inner);
}

/**
 * The shared state behind a PagableArc handle: its live inner, or for a PagedOut arc a stand-in
 * holding its key and kind (not registered anywhere: it is for reading, by the page-out walk).
 */
export function innerOf(arc: PagableArc<unknown>): ArcInner {
  return (handleAccess.innerOfArc ?? missing('PagableArc'))(arc);
}

/** The shared state behind a live pin; undefined once released. */
export function innerOfPin(pin: PinnedPagableArc<unknown>): ArcInner | undefined {
  return (handleAccess.innerOfPin ?? missing('PinnedPagableArc'))(pin);
}

/** True for a PagableArc handle (a brand check, not instanceof: it cannot be faked). */
export function isPagableArc(v: unknown): v is PagableArc<unknown> {
  return handleAccess.isArc?.(v) === true;
}

/** True for a PinnedPagableArc. */
export function isPinnedPagableArc(v: unknown): v is PinnedPagableArc<unknown> {
  return handleAccess.isPin?.(v) === true;
}

/**
 * JavaScript has no Drop: a Pinned handle or pin that becomes garbage (typically one inside a
 * value that was paged out and dropped) would keep its arc pinned forever. When the GC collects
 * such a handle its pin is released, as Rust's drop does; `unpin()` / `release()` stay the prompt way.
 */
export const pinReaper = new FinalizationRegistry<ArcInner>((inner) => inner.release());
