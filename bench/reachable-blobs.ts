import type { DataKey, PagableData } from '../src/index.js';

/**
 * Every blob reachable from `root` in `storage`. Typed by shape, not by class, so bench/ab.ts can
 * use it on the storage of another build of the library.
 */
export function collectBlobs(storage: { fetchDataSync?(key: DataKey): PagableData }, root: DataKey): Map<DataKey, PagableData> {
  const out = new Map<DataKey, PagableData>();
  const stack = [root];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (out.has(k)) continue;
    const b = storage.fetchDataSync!(k);
    out.set(k, b);
    for (const c of b.arcs) if (!out.has(c)) stack.push(c);
  }
  return out;
}
