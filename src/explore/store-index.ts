import type { DataKey } from '../keys/data.js';
import type { KeyTable } from './key-table.js';

/** In a child list: a child key that no stored blob has (a dangling reference). */
export const MISSING = 0xffffffff;

/**
 * What one scan learned about every blob of a store, in typed arrays indexed by the blob's
 * position in key order (about 40 bytes a blob plus 8 a reference, so a million-blob store's
 * index stays in the tens of megabytes): size, class label, distinct children (and, reversed,
 * referrers) as CSR lists, and what the scan's re-hash found.
 */
export class StoreIndex {
  constructor(
    readonly keys: KeyTable,
    /** Data length of each blob. */
    readonly sizes: Uint32Array,
    /** Each blob's label, as an index into `labels`. */
    readonly labelOf: Uint32Array,
    /** Distinct class labels (see describe.ts), in order of first sight. */
    readonly labels: readonly string[],
    /** Blob i's distinct children are `children[childStart[i] .. childStart[i+1])` (MISSING where absent). */
    readonly childStart: Uint32Array,
    readonly children: Uint32Array,
    /** Blob i's referrers are `parents[parentStart[i] .. parentStart[i+1])`, each once. */
    readonly parentStart: Uint32Array,
    readonly parents: Uint32Array,
    /** Positions of blobs whose content does not hash to their key, or that do not read. */
    readonly corrupt: readonly number[],
    /** Child keys referred to but not stored: how many references, and a few of the keys. */
    readonly dangling: { refs: number; sample: readonly DataKey[] },
  ) {}

  /** Number of blobs. */
  get size(): number {
    return this.keys.size;
  }

  /** Sum of every blob's data length. */
  get totalBytes(): number {
    let n = 0;
    for (const s of this.sizes) n += s;
    return n;
  }

  /** Distinct child positions of blob `i` (MISSING for a dangling key). */
  childrenOf(i: number): Uint32Array {
    return this.children.subarray(this.childStart[i]!, this.childStart[i + 1]!);
  }

  /** Positions of the blobs that list blob `i` as a child. */
  parentsOf(i: number): Uint32Array {
    return this.parents.subarray(this.parentStart[i]!, this.parentStart[i + 1]!);
  }

  /** The label of blob `i`. */
  labelAt(i: number): string {
    return this.labels[this.labelOf[i]!]!;
  }

  /** Bytes the index itself takes (for the page's footer and the 1M-blob measurements). */
  get byteLength(): number {
    return (
      this.keys.byteLength +
      this.sizes.byteLength +
      this.labelOf.byteLength +
      this.childStart.byteLength +
      this.children.byteLength +
      this.parentStart.byteLength +
      this.parents.byteLength
    );
  }
}

/** The referrer lists: `children` reversed (each parent once per child: child lists are distinct). */
export function reverseEdges(
  n: number,
  childStart: Uint32Array,
  children: Uint32Array,
): { parentStart: Uint32Array; parents: Uint32Array } {
  const parentStart = new Uint32Array(n + 1);
  for (const c of children) if (c !== MISSING) parentStart[c + 1]!++;
  for (let i = 0; i < n; i++) parentStart[i + 1]! += parentStart[i]!;
  const fill = parentStart.slice(0, n);
  const parents = new Uint32Array(parentStart[n]!);
  for (let p = 0; p < n; p++) {
    for (let e = childStart[p]!; e < childStart[p + 1]!; e++) {
      const c = children[e]!;
      if (c !== MISSING) parents[fill[c]!++] = p;
    }
  }
  return { parentStart, parents };
}
