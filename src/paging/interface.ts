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
  /**
   * Distinct blobs this handle knows. Memory and LMDB: the whole store, as the store counted it at
   * open and after each `gc()`, plus what this handle wrote since (blobs another handle or process
   * wrote since are not in it).
   */
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
  /**
   * With `autoPageOut`: how many of those runs ran on the caller's stack, because an arc was
   * queued while the heap was over `heapUsedLimit` (stores that write synchronously only).
   */
  autoReclaims?: number;
}

/** What one `pageOutPending()` did; a value that cannot be encoded stays resident and is reported. */
export interface PageOutReport {
  /** Arcs now PagedOut: stored (or found stored) and their values dropped. */
  pagedOut: number;
  /**
   * One error per value that could not be encoded (its arc stays resident); in an automatic
   * page-out's report, also the one error of a write that failed (its arcs stay resident, queued again).
   */
  failed: PagableError[];
}

/** What `gc()` removed. */
export interface GcReport {
  /**
   * Blobs deleted: reached from no named root and no operation in flight. A blob another handle's
   * gc, running at the same time, deleted first is counted by both (a store's delete reports
   * bytes, not blobs); `freedBytes` counts each byte once.
   */
  freedBlobs: number;
  /** Sum of the `data` lengths of the blobs this gc deleted. */
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
  /** Page out (on the next turn of the event loop) when more arcs than this wait for page-out. */
  maxPending?: number;
  /**
   * Page out when `process.memoryUsage().heapUsed` passes this many bytes: looked at each time an
   * arc is queued, and every `intervalMs` while arcs wait. On stores that write synchronously
   * (memory, LMDB) an arc queued while the heap is over it pages out the queue on that caller's
   * stack, batch by batch, so a producer that never yields stays bounded; on the others (Redis)
   * the page-out runs on the next turn of the event loop, and a producer awaits `drain()`.
   */
  heapUsedLimit?: number;
  /** How often the heap is looked at while arcs wait, in ms (default 100). */
  intervalMs?: number;
  /**
   * Where the heap figure compared with `heapUsedLimit` comes from, in bytes. Default: V8's used
   * heap size (what `process.memoryUsage().heapUsed` reports, read without its RSS system call).
   * Tests drive the budget with it; a program may budget another figure.
   */
  probe?: () => number;
}

/** Options every storage accepts. */
export interface StorageOptions {
  /** Dev mode: deep-freeze values once they have a key, so mutations of stored data throw. */
  freeze?: boolean;
  /**
   * Off unless given: runs `pageOutPending()` by itself when one of the thresholds is passed, off
   * the caller's stack (one at a time, never after `close()`), except the heap's on stores that
   * write synchronously (see `heapUsedLimit`). `drain()` waits for it.
   */
  autoPageOut?: AutoPageOutOptions;
  /**
   * Each automatic page-out's report, failures included (they never become unhandled
   * rejections), and that of the page-out `drain()` runs on a storage without `autoPageOut`.
   */
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
  /** Serializes everything scheduled, children first, in bounded batches, and drops unpinned values. */
  pageOutPending(): PageOutReport | Promise<PageOutReport>;
  /**
   * Back-pressure for a producer: resolves at once when nothing needs paging out; else once the
   * automatic page-out has brought the heap under `heapUsedLimit` (or written every waiting arc:
   * what it leaves behind is garbage for V8 to collect) and the queue under `maxPending`. Without
   * `autoPageOut`, it runs `pageOutPending()` when arcs wait. Rejects with STORAGE_CLOSED once the
   * storage is closed (also when it closes meanwhile), and with the error of a page-out whose
   * write failed (its arcs are queued again); values that cannot be encoded stay resident and are
   * reported to `onPageOut`, they do not fail it.
   */
  drain(): Promise<void>;
  /** Makes everything written so far durable. */
  flush(): Promise<void>;
  /** Counters of this handle: blobs and bytes known, stores, dedup hits, fetches. */
  stats(): StorageStats;
  /** Releases the backend; handles still held then fail with `STORAGE_CLOSED` instead of crashing. */
  close(): Promise<void>;
}
