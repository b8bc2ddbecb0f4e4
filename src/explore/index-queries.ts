/*
 * The lists the explorer answers from a built StoreIndex (referrers, key prefixes, classes and
 * their blobs). Plain functions over the index, apart from the Explorer that owns the scan, so
 * each query's bound (a page, a cap) sits next to the loop it bounds and no answer grows with
 * the store.
 */
import type { BlobRef, Page } from './blob-ref.js';
import type { StoreIndex } from './store-index.js';

/** Blob `i` as a list entry. */
export function blobRef(index: StoreIndex, i: number): BlobRef {
  return { key: index.keys.key(i), label: index.labelAt(i), bytes: index.sizes[i]! };
}

/** A page of the referrers of the blob at position `at` (an empty page for -1: not stored). */
export function referrerPage(index: StoreIndex, at: number, offset: number, limit: number): Page<BlobRef> {
  if (at < 0) return { items: [], total: 0, offset };
  const parents = index.parentsOf(at);
  const items: BlobRef[] = [];
  for (let i = offset; i < parents.length && items.length < limit; i++) items.push(blobRef(index, parents[i]!));
  return { items, total: parents.length, offset };
}

/** Positions of the first `max` keys beginning with `prefix` (lower-case hex), in key order. */
export function keysWithPrefix(index: StoreIndex, prefix: string, max: number): number[] {
  const found: number[] = [];
  for (let i = index.keys.lowerBound(prefix); i < index.size && found.length < max; i++) {
    if (!index.keys.key(i).startsWith(prefix)) break;
    found.push(i);
  }
  return found;
}

/** Blob count and stored bytes of each class label, indexed like `index.labels`. */
export function totalsByLabel(index: StoreIndex): Array<{ blobs: number; bytes: number }> {
  const totals = index.labels.map(() => ({ blobs: 0, bytes: 0 }));
  for (let i = 0; i < index.size; i++) {
    const t = totals[index.labelOf[i]!]!;
    t.blobs++;
    t.bytes += index.sizes[i]!;
  }
  return totals;
}

/** The first `limit` class labels containing `needle` (lower case), largest first; none for an empty needle. */
export function classesMatching(
  index: StoreIndex,
  totals: Array<{ blobs: number; bytes: number }>,
  needle: string,
  limit: number,
): Array<{ label: string; blobs: number; bytes: number }> {
  if (needle.length === 0) return [];
  return index.labels
    .map((label, id) => ({ label, ...totals[id]! }))
    .filter((c) => c.label.toLowerCase().includes(needle))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

/** A page of the blobs whose label is `labels[id]`, in key order. */
export function classBlobPage(index: StoreIndex, id: number, offset: number, limit: number): Page<BlobRef> {
  const items: BlobRef[] = [];
  let total = 0;
  for (let i = 0; i < index.size; i++) {
    if (index.labelOf[i] !== id) continue;
    if (total >= offset && items.length < limit) items.push(blobRef(index, i));
    total++;
  }
  return { items, total, offset };
}
