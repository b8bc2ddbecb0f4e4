import { PagableError } from '../error.js';
import type { PagableStorage } from '../paging/interface.js';
import { hostOf } from './arc-host.js';
import { ArcInner } from './arc-inner.js';
import { arcFromInner, handleAccess, pinReaper } from './handles.js';
import type { PagableArc } from './pagable-arc.js';

const inspect = Symbol.for('nodejs.util.inspect.custom');

/**
 * A pin: while it lives the value is resident and `value` reads it. End it with `release()` or
 * `using pin = await arc.pin()`; a released pin holds nothing (reading it is RELEASED).
 */
export class PinnedPagableArc<T> {
  #inner: ArcInner | undefined;

  private constructor(inner: ArcInner) {
    this.#inner = inner;
    // A pin that is never released is released when collected (see pinReaper).
    pinReaper.register(this, inner, this);
  }

  static {
    handleAccess.newPin = <T>(inner: ArcInner) => new PinnedPagableArc<T>(inner);
    handleAccess.innerOfPin = (pin) => pin.#inner;
    handleAccess.isPin = (v) => typeof v === 'object' && v !== null && #inner in v;
  }

  /** A new arc holding `value`, bound to `storage`, pinned by the returned pin. */
  static new<T>(value: T, storage: PagableStorage): PinnedPagableArc<T> {
    return new PinnedPagableArc<T>(ArcInner.resident(hostOf(storage).kindFor(undefined), value, 1));
  }

  /** True when both pins hold the same arc (Rust's `ptr_eq`); a released pin equals nothing. */
  static ptrEq(a: PinnedPagableArc<unknown>, b: PinnedPagableArc<unknown>): boolean {
    return a.#inner !== undefined && a.#inner === b.#inner;
  }

  #live(what: string): ArcInner {
    const inner = this.#inner;
    if (inner === undefined) throw new PagableError('RELEASED', `PinnedPagableArc.${what}: this pin was released and holds nothing`);
    return inner;
  }

  /** The pinned value. */
  get value(): T {
    return this.#live('value').value as T;
  }

  /** Another pin on the same value. */
  clone(): PinnedPagableArc<T> {
    const inner = this.#live('clone()');
    inner.pinnedCount++;
    return new PinnedPagableArc<T>(inner);
  }

  /**
   * Turns this pin into a Pinned `PagableArc` handle on the same arc, as the Rust crate's
   * `into_pagable(self)`: the pin moves into the handle, so this object is released and the pinned
   * count is unchanged.
   */
  intoPagable(): PagableArc<T> {
    const inner = this.#live('intoPagable()');
    this.#inner = undefined;
    pinReaper.unregister(this);
    return arcFromInner<T>(inner, true);
  }

  /** True once released. */
  get isReleased(): boolean {
    return this.#inner === undefined;
  }

  /** Ends the pin; idempotent. */
  release(): void {
    const inner = this.#inner;
    if (inner !== undefined) {
      this.#inner = undefined;
      pinReaper.unregister(this);
      inner.release();
    }
  }

  /** `using pin = await arc.pin()` releases the pin at the end of the block: the same as `release()`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** `Object.prototype.toString` names the class: `[object PinnedPagableArc]`. */
  get [Symbol.toStringTag](): string {
    return 'PinnedPagableArc';
  }

  /** `util.inspect` / console.log: pins and key (or `released`), never the value. */
  [inspect](): string {
    const i = this.#inner;
    return i === undefined ? 'PinnedPagableArc <released>' : `PinnedPagableArc <pins ${i.pinnedCount}${i.key ? `, key ${i.key}` : ''}>`;
  }
}
