import { type DataKey, InMemoryPagableStorage, type PagableData, type StorageOptions } from '../src/index.js';

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

/** A new in-memory storage holding `blobs` (so a load from it decodes everything afresh). */
export function storageWith(blobs: Map<DataKey, PagableData>, options: StorageOptions = {}): InMemoryPagableStorage {
  const s = new InMemoryPagableStorage(options);
  // In memory, storeData is synchronous: there is nothing to await.
  for (const b of blobs.values()) void s.storeData(b);
  return s;
}

/** How many of `blobs` are data blobs (not schema-set blobs, 0xC1 0xC1 ..., which a process caches once read). */
export function dataBlobCount(blobs: Map<DataKey, PagableData>): number {
  let n = 0;
  for (const b of blobs.values()) if (!(b.data[0] === 0xc1 && b.data[1] === 0xc1)) n++;
  return n;
}
