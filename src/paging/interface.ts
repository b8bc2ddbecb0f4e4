/*
 * The public shape of a storage: what every PagableStorage offers, whatever BlobStore it pages
 * through. Types only.
 */
import type { DataKey, PagableData } from '../keys/data.js';
import type { PagableError } from '../error.js';
import type { RootEntry } from '../blobstore/interface.js';

export type { RootEntry };

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
  /** With `autoPageOut`: automatic page-outs run so far. */
  autoPageOuts?: number;
  /** With `autoPageOut`: arcs those runs paged out. */
  autoPagedOut?: number;
}

/** What one `pageOutPending()` did; a value that cannot be encoded stays resident and is reported. */
export interface PageOutReport {
  /** Arcs now PagedOut: stored (or found stored) and their values dropped. */
  pagedOut: number;
  /** One error per arc that could not be encoded or stored; those arcs stay resident. */
  failed: PagableError[];
}

/** What `gc()` removed. */
export interface GcReport {
  /** Blobs deleted: reached from no named root and no operation in flight. */
  freedBlobs: number;
  /** Sum of the deleted blobs' `data` lengths. */
  freedBytes: number;
  /** Blobs kept because a root or an operation in flight reaches them. */
  keptBlobs: number;
}

/** What `verify()` found. */
export interface VerifyReport {
  /** Blobs read and re-hashed. */
  checked: number;
  /** Keys whose blob does not hash to its key or does not read at all. */
  corrupt: DataKey[];
}

/** When the storage pages out by itself; see `StorageOptions.autoPageOut`. */
export interface AutoPageOutOptions {
  /** Page out when more arcs than this wait for page-out. */
  maxPending?: number;
  /** Page out when `process.memoryUsage().heapUsed` passes this many bytes (looked at while arcs wait). */
  heapUsedLimit?: number;
  /** How often the heap is looked at while arcs wait, in ms (default 100). */
  intervalMs?: number;
}

/** Options every storage accepts. */
export interface StorageOptions {
  /** Dev mode: deep-freeze values once they have a key, so mutations of stored data throw. */
  freeze?: boolean;
  /**
   * Off unless given: runs `pageOutPending()` by itself, off the caller's stack (never two at once,
   * never after `close()`), when one of the thresholds is passed.
   */
  autoPageOut?: AutoPageOutOptions;
  /** Each automatic page-out's report, failures included (they never become unhandled rejections). */
  onPageOut?: (report: PageOutReport) => void;
}

/** Where blobs live. Every storage is a PagableStorageBase over some BlobStore, and behaves the same. */
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
  /** Counters of this handle: blobs and bytes known, stores, dedup hits, fetches. */
  stats(): StorageStats;
  /** Releases the backend; handles still held then fail with `STORAGE_CLOSED` instead of crashing. */
  close(): Promise<void>;
}
