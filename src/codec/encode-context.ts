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
  return via(ref.owner, ref.field);
}

/** `Class.field`, or `field` alone where no class holds it, for messages. */
export function via(owner: ClassMeta | undefined, field: string): string {
  return owner === undefined ? field : `${owner.name}.${field}`;
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

/** What a cleared ChildList holds instead of the user's values. */
const CLEARED: object = Object.freeze({});

/**
 * The children of one blob being encoded, in placeholder order, as parallel lists (no object per
 * reference): the shared object or arc inner, whether it is an arc, the layout its blob is
 * written with, and the class and field holding it (for messages). `count` of them.
 */
export class ChildList {
  readonly targets: object[] = [];
  readonly arcs: boolean[] = [];
  readonly roots: RootSchema[] = [];
  readonly owners: Array<ClassMeta | undefined> = [];
  readonly fields: string[] = [];
  count = 0;

  push(target: object, isArc: boolean, root: RootSchema, owner: ClassMeta | undefined, field: string): void {
    const i = this.count++;
    this.targets[i] = target;
    this.arcs[i] = isArc;
    this.roots[i] = root;
    this.owners[i] = owner;
    this.fields[i] = field;
  }

  /** Forgets the children (the lists keep their length, holding nothing of the user's). */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.targets[i] = CLEARED;
    this.count = 0;
  }

  /** The children as ChildRef objects. */
  refs(): ChildRef[] {
    const out: ChildRef[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push({ target: this.targets[i]!, isArc: this.arcs[i]!, root: this.roots[i]!, owner: this.owners[i], field: this.fields[i]! });
    }
    return out;
  }
}
