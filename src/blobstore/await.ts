/*
 * Sync-or-async values (`Await<T>`): backends that answer at once return plain values, and the
 * code above them stays synchronous for them (no microtask per blob, and
 * `InMemoryPagableStorage.pageOutPending()` returns its report, not a promise). These helpers
 * keep that property through a chain of steps.
 */
import type { Await } from './interface.js';

/** True when `v` is a promise (a thenable), i.e. the step did not complete at once. */
export function isPromise<T>(v: Await<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** `f(v)`, now if `v` is a value, later if it is a promise. */
export function andThen<T, R>(v: Await<T>, f: (value: T) => Await<R>): Await<R> {
  return isPromise(v) ? v.then(f) : f(v);
}

/** Every value, now if all are values, else one promise (Promise.all). */
export function allOf<T>(values: ReadonlyArray<Await<T>>): Await<T[]> {
  for (const v of values) if (isPromise(v)) return Promise.all(values);
  return values as T[];
}
