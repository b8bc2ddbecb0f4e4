import { type Analysis, SHARED, UNREACHABLE } from './analysis.js';
import type { StoreIndex } from './store-index.js';

/** One rectangle of the treemap (a hierarchy d3-hierarchy lays out on the page). */
export interface TreemapNode {
  name: string;
  /** What the node stands for, so the page can link it: a class label, a root group, a bucket. */
  kind: 'store' | 'class' | 'root' | 'shared' | 'unreachable' | 'other';
  bytes: number;
  blobs: number;
  /** For a root node: the key its names refer to. */
  key?: string;
  children?: TreemapNode[];
}

/** Classes shown per group before the rest is merged into one "other" rectangle. */
export const CLASS_LIMIT = 60;
/** Root groups shown before the rest is merged. */
export const ROOT_LIMIT = 40;

/** Per-label totals over the blobs `bucketOf` puts in each bucket (-1: skip). */
function totalsByLabel(index: StoreIndex, buckets: number, bucketOf: (i: number) => number): { bytes: Float64Array; blobs: Uint32Array } {
  const labels = index.labels.length;
  const bytes = new Float64Array(buckets * labels);
  const blobs = new Uint32Array(buckets * labels);
  for (let i = 0; i < index.size; i++) {
    const b = bucketOf(i);
    if (b < 0) continue;
    const cell = b * labels + index.labelOf[i]!;
    bytes[cell]! += index.sizes[i]!;
    blobs[cell]!++;
  }
  return { bytes, blobs };
}

/** The classes of one bucket, largest first, the tail past `limit` merged. */
function classNodes(index: StoreIndex, t: { bytes: Float64Array; blobs: Uint32Array }, bucket: number, limit: number): TreemapNode[] {
  const labels = index.labels.length;
  const nodes: TreemapNode[] = [];
  for (let l = 0; l < labels; l++) {
    const cell = bucket * labels + l;
    if (t.blobs[cell]! > 0) nodes.push({ name: index.labels[l]!, kind: 'class', bytes: t.bytes[cell]!, blobs: t.blobs[cell]! });
  }
  return capped(nodes, limit, (n) => `${n} other classes`);
}

function capped(nodes: TreemapNode[], limit: number, otherName: (n: number) => string): TreemapNode[] {
  nodes.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  if (nodes.length <= limit) return nodes;
  const rest = nodes.slice(limit - 1);
  const other: TreemapNode = { name: otherName(rest.length), kind: 'other', bytes: 0, blobs: 0 };
  for (const r of rest) {
    other.bytes += r.bytes;
    other.blobs += r.blobs;
  }
  return [...nodes.slice(0, limit - 1), other];
}

function sum(children: TreemapNode[], name: string, kind: TreemapNode['kind']): TreemapNode {
  let bytes = 0;
  let blobs = 0;
  for (const c of children) {
    bytes += c.bytes;
    blobs += c.blobs;
  }
  return { name, kind, bytes, blobs, children };
}

/** Stored bytes by class label: one level under the store. */
export function treemapByClass(index: StoreIndex, limit = CLASS_LIMIT): TreemapNode {
  const t = totalsByLabel(index, 1, () => 0);
  return sum(classNodes(index, t, 0, limit), 'all blobs', 'store');
}

/**
 * Stored bytes by root, then class: each blob counted once, under the one root group that
 * reaches it, or "shared by several roots", or "reached by no root" (what gc would free).
 */
export function treemapByRoot(index: StoreIndex, analysis: Analysis, rootLimit = ROOT_LIMIT, classLimit = CLASS_LIMIT): TreemapNode {
  const g = analysis.groups.length;
  // Exclusive bytes per group decide which groups get their own rectangle.
  const groupBytes = new Float64Array(g);
  for (let i = 0; i < index.size; i++) {
    const o = analysis.owner[i]!;
    if (o < g) groupBytes[o]! += index.sizes[i]!;
  }
  const order = [...groupBytes.keys()].sort((a, b) => groupBytes[b]! - groupBytes[a]!);
  const shown = order.slice(0, rootLimit);
  const bucketOfGroup = new Int32Array(g).fill(shown.length); // the "other roots" bucket
  shown.forEach((gi, b) => (bucketOfGroup[gi] = b));
  const OTHER = shown.length;
  const SHARED_B = OTHER + 1;
  const UNREACH_B = OTHER + 2;
  const t = totalsByLabel(index, OTHER + 3, (i) => {
    const o = analysis.owner[i]!;
    return o === SHARED ? SHARED_B : o === UNREACHABLE ? UNREACH_B : bucketOfGroup[o]!;
  });
  const children: TreemapNode[] = [];
  shown.forEach((gi, b) => {
    const grp = analysis.groups[gi]!;
    const node = sum(classNodes(index, t, b, classLimit), grp.names.join(', '), 'root');
    node.key = grp.key;
    if (node.blobs > 0) children.push(node);
  });
  const extra: Array<[number, string, TreemapNode['kind']]> = [
    [OTHER, `${g - shown.length} other roots`, 'other'],
    [SHARED_B, 'shared by several roots', 'shared'],
    [UNREACH_B, 'reached by no root (gc would free)', 'unreachable'],
  ];
  for (const [b, name, kind] of extra) {
    const node = sum(classNodes(index, t, b, classLimit), name, kind);
    if (node.blobs > 0) children.push(node);
  }
  return sum(children, 'all blobs', 'store');
}
