import type { DataKey, PagableData } from '../keys/data.js';
import type { PagableError } from '../error.js';
import type { Class } from '../metadata/type-spec.js';

/** Counters of one storage handle. */
export interface StorageStats {
  /** Distinct blobs this handle knows (the whole store for memory and LMDB). */
  blobs: number;
  /** Sum of the `data` lengths of those blobs. */
  bytes: number;
  /** Blob stores: `storeData` calls and blobs written by save / page-out. */
  stores: number;
  /** Stores whose key was already present (nothing written). */
  dedupHits: number;
  /** Blob reads from the backend (arc-cache hits are not fetches). */
  fetches: number;
}

/** What one `pageOutPending()` did; a value that cannot be encoded stays resident and is reported. */
export interface PageOutReport {
  pagedOut: number;
  failed: PagableError[];
}

/** A named root: a key kept alive by `gc()`. */
export interface RootEntry {
  name: string;
  key: DataKey;
}

/** What `gc()` removed. */
export interface GcReport {
  freedBlobs: number;
  freedBytes: number;
  keptBlobs: number;
}

/** Where blobs live. Every backend extends PagableStorageBase and behaves the same. */
export interface PagableStorage {
  /** Stores one blob; idempotent for equal data. */
  storeData(data: PagableData): DataKey | Promise<DataKey>;
  /** One blob; PagableError NOT_FOUND if absent. */
  fetchData(key: DataKey): Promise<PagableData>;
  /** One blob, synchronously, where the backend can. */
  fetchDataSync?(key: DataKey): PagableData;
  /** Pages out a whole graph; resolves to the root key once everything is stored. */
  save(value: object): Promise<DataKey>;
  /** Pages a graph back in as `cls` (or the tagged subclass the blob names). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load<T>(cls: abstract new (...a: any[]) => T, key: DataKey): Promise<T>;
  /** Arcs scheduled for page-out and not yet written. */
  pendingPagingCount(): number;
  /** Serializes everything scheduled, children first, and drops unpinned values. */
  pageOutPending(): PageOutReport | Promise<PageOutReport>;
  /** Makes everything written so far durable. */
  flush(): Promise<void>;
  stats(): StorageStats;
  close(): Promise<void>;
}

export type { Class };
