/*
 * What the neighbourhood walk learns of each blob, from whichever source the explorer has: the
 * index once a scan has built it (children and referrers, capped), or the blobs themselves before
 * (children only), so the graph view works from the first second of a long scan.
 */
import type { DataKey, PagableData } from '../keys/data.js';
import { type BlobLookup, classLabel } from './describe.js';
import type { NodeInfo } from './neighbourhood.js';
import { MISSING, type StoreIndex } from './store-index.js';

/** Node info from the index: at most `cap` children and referrers listed per blob. */
export function indexedNodeInfo(index: StoreIndex, keys: DataKey[], cap: number): NodeInfo[] {
  // A blob may have a million referrers (a shared leaf): list no more than the graph can hold.
  return keys.map((k) => {
    const i = index.keys.indexOf(k);
    if (i < 0) return { key: k, label: '(missing)', bytes: 0, present: false, children: [], childCount: 0, parents: [], parentCount: 0 };
    const kids = index.childrenOf(i);
    const children: DataKey[] = [];
    for (let e = 0; e < kids.length && children.length < cap; e++) if (kids[e] !== MISSING) children.push(index.keys.key(kids[e]!));
    const ps = index.parentsOf(i);
    const parents = Array.from(ps.subarray(0, cap), (p) => index.keys.key(p));
    return {
      key: k,
      label: index.labelAt(i),
      bytes: index.sizes[i]!,
      present: true,
      children,
      childCount: kids.length,
      parents,
      parentCount: ps.length,
    };
  });
}

/** Node info from the blobs read for `keys` (in the same order): children only, referrers unknown. */
export function storedNodeInfo(keys: DataKey[], blobs: Array<PagableData | undefined>, lookup: BlobLookup): Promise<NodeInfo[]> {
  return Promise.all(
    keys.map(async (k, i) => {
      const b = blobs[i];
      if (b === undefined)
        return {
          key: k,
          label: '(missing)',
          bytes: 0,
          present: false,
          children: [],
          childCount: 0,
          parents: undefined,
          parentCount: 0,
        };
      const children = [...new Set(b.arcs)];
      return {
        key: k,
        label: await classLabel(b, lookup),
        bytes: b.data.length,
        present: true,
        children,
        childCount: children.length,
        parents: undefined,
        parentCount: 0,
      };
    }),
  );
}
