import type { ClassMeta } from '../metadata/class-meta.js';
import type { RootSchema } from '../metadata/schema.js';
import type { SchemaSet } from './schema-set.js';

/** What the encoder asks of the page-out engine about arcs (the codec knows nothing of them). */
export interface EncodeContext {
  /**
   * What a @Lazy field stores for `v`: the shared state of a PagableArc or of a live
   * PinnedPagableArc; undefined when `v` is neither (or a released pin).
   */
  arcTarget(v: object): object | undefined;
  /** True for a PinnedPagableArc, released or not (refused where an object is expected). */
  isPin(v: object): boolean;
}

/** A context for graphs without arcs (tools, tests): nothing is an arc. */
export const NO_ARCS: EncodeContext = { arcTarget: () => undefined, isPin: () => false };

/** A value that becomes its own blob: a @Shared object or the inner of a @Lazy arc. */
export interface ChildRef {
  /** The shared object, or the arc's inner. */
  readonly target: object;
  readonly isArc: boolean;
  /** The layout the child's blob is written (and read back) with. */
  readonly root: RootSchema;
  /** The class and field that hold it (`Class.field`), for messages; built only when needed. */
  readonly owner: ClassMeta | undefined;
  readonly field: string;
}

/** `Class.field` holding a child, for messages. */
export function viaOf(ref: ChildRef): string {
  return ref.owner === undefined ? ref.field : `${ref.owner.name}.${ref.field}`;
}

/** One encoded blob, its children not yet stored. */
export interface EncodedBlob {
  /** 0xC1, then the body. */
  readonly data: Uint8Array;
  /** Values that become blobs of their own, in placeholder order. */
  readonly children: ChildRef[];
  /** The classes the blob uses: its key is the blob's last child key. */
  readonly schema: SchemaSet;
}
