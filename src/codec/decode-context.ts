import type { DataKey } from '../keys/data.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import type { RootSchema } from '../metadata/schema.js';

/** What the decoder asks of the page-in engine, which owns I/O and identity. */
export interface DecodeContext {
  /** The object for a @Shared child, or undefined after arranging `holder[slot]` to be set later. */
  shared(key: DataKey, root: RootSchema, holder: object, slot: string | number): unknown;
  /** The same, for a child key read in place: the 16 bytes of `bytes` from `at`. */
  sharedAt(bytes: Uint8Array, at: number, root: RootSchema, holder: object, slot: string | number): unknown;
  /** A PagedOut PagableArc for a @Lazy child. */
  lazy(key: DataKey, root: RootSchema): unknown;
  /** The same, for a child key read in place: the 16 bytes of `bytes` from `at`. */
  lazyAt(bytes: Uint8Array, at: number, root: RootSchema): unknown;
  /** Queues the after-page-in hook of a restored instance. */
  restored(obj: object, meta: ClassMeta): void;
}
