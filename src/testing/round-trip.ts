import { isPagableArc } from '../arc/handles.js';
import { PagableError } from '../error.js';
import type { DataKey } from '../keys/data.js';
import type { PagableStorage } from '../paging/interface.js';
import { InMemoryPagableStorage } from '../paging/memory-storage.js';

/** What `roundTrip` gives back. */
export interface RoundTrip<T> {
  /** The copy: the value saved and loaded again, a graph of new objects. */
  readonly value: T;
  /** The content key of the value's graph: what `save` gives for it in any storage. */
  readonly key: DataKey;
  /** The throwaway storage the copy was loaded from; the copy's lazy arcs page in from it. */
  readonly storage: PagableStorage;
}

/**
 * Saves `value` into a new in-memory storage and loads it back as `cls` (by default the value's
 * own class): a unit test of a model needs no storage of its own, as the Rust crate's tests use
 * its `TestingSerializer`. Whatever `save` and `load` would refuse fails the same way here.
 * `value` is an object graph (not an arc: pass what it holds). The storage is left open, so lazy
 * arcs in the copy can be pinned; it goes with the copy when the copy is garbage.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function roundTrip<T extends object, R = T>(value: T, cls?: abstract new (...a: any[]) => R): Promise<RoundTrip<R>> {
  if (isPagableArc(value)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      'roundTrip: got a PagableArc; pass the value it holds (or an object holding it in a @Lazy field)',
    );
  }
  const as: unknown = cls ?? (value as { constructor?: unknown }).constructor ?? Object;
  if (typeof as !== 'function') throw new PagableError('INVALID_ARGUMENT', `roundTrip: expected a class to load as, got ${typeof as}`);
  const storage = new InMemoryPagableStorage();
  const key = await storage.save(value);
  return { value: await storage.load(as as abstract new () => R, key), key, storage };
}
