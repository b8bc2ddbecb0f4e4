/*
 * The raw blob I/O a backend implements: nothing of arcs, codecs or paging. One paging runtime
 * (src/paging) turns any BlobStore into a full PagableStorage, so every backend behaves the same
 * and passes one conformance suite (`pagable/testing`). Types only, as ipfs/js-stores'
 * interface-blockstore: a backend imports this file and nothing else of pagable's internals.
 *
 * Results are sync-or-async (`Await<T>`, as js-multiformats): a backend that answers at once
 * (memory, LMDB reads) returns values, so the runtime can stay synchronous where the contract
 * says so (`InMemoryPagableStorage.pageOutPending()`, `pinSync()`).
 */
import type { DataKey, PagableData } from '../keys/data.js';

/** A value now, or later. */
export type Await<T> = T | Promise<T>;

/** An iterable now, or an async one. */
export type AwaitIterable<T> = Iterable<T> | AsyncIterable<T>;

/** One blob to write, with its key (always `computeKey(data)`: the runtime computes it). */
export interface BlobEntry {
  /** `computeKey(data)`. */
  readonly key: DataKey;
  /** The blob itself. */
  readonly data: PagableData;
}

/** A named root: a key kept alive by `gc()`. */
export interface RootEntry {
  /** The root's name, as given to `setRoot`. */
  name: string;
  /** The blob it keeps alive. */
  key: DataKey;
}

/** How many blobs a store holds and the sum of their `data` lengths. */
export interface BlobCount {
  /** Distinct blobs. */
  blobs: number;
  /** Sum of their `data` lengths. */
  bytes: number;
}

/** Raw blob I/O. Keys are content addresses, so a stored blob never changes. */
export interface BlobStore {
  /** Where the blobs live, for messages: a path, a redacted url. */
  readonly name: string;

  /**
   * Writes the entries whose key is absent and leaves present ones untouched (a blob is never
   * overwritten); per entry, true where this call wrote it. "Absent, then write" is atomic
   * against every other writer of the store, and a key repeated in one batch is written once.
   */
  putMany(entries: readonly BlobEntry[]): Await<boolean[]>;

  /**
   * `putMany`, finished before it returns (LMDB: a synchronous transaction). Optional: a store
   * that offers it lets the runtime page out on the caller's stack when the heap is over
   * `autoPageOut.heapUsedLimit`, so a producer that never yields stays bounded; stores that
   * cannot write synchronously (Redis) leave it out, and their producers await `drain()`.
   */
  putManySync?(entries: readonly BlobEntry[]): boolean[];

  /** The blobs, in order; undefined where absent. */
  getMany(keys: readonly DataKey[]): Await<Array<PagableData | undefined>>;

  /** One blob synchronously, where the backend can (memory, LMDB); absent on those that cannot. */
  getSync?(key: DataKey): PagableData | undefined;

  /**
   * As `getSync`, but `data` may be a view of the store's own memory, valid while the caller
   * holds it and never to be written: for a reader that decodes it at once and keeps nothing
   * (page-in). Optional: a store whose reads copy anyway has no reason to offer it, and callers
   * use `getSync` where it is absent.
   */
  viewSync?(key: DataKey): PagableData | undefined;

  /** Per key, true when the blob is present. */
  hasMany(keys: readonly DataKey[]): Await<boolean[]>;

  /** Every stored key, each once. */
  keys(): AwaitIterable<DataKey>;

  /** Deletes blobs (gc); the sum of the `data` lengths of those it removed. */
  deleteMany(keys: readonly DataKey[]): Await<number>;

  /** The key a named root holds, if set. */
  getRoot(name: string): Await<DataKey | undefined>;

  /**
   * Names `key` as a root, atomically with the check that the blob is present: false (and
   * nothing set) when it is absent, so a root never names a missing blob.
   */
  setRoot(name: string, key: DataKey): Await<boolean>;

  /** Removes a named root; true if it existed. */
  deleteRoot(name: string): Await<boolean>;

  /** Every named root. */
  listRoots(): Await<RootEntry[]>;

  /**
   * What the whole store holds, for stores that can tell (memory, LMDB: counted at open). A
   * store shared with writers the handle cannot see (Redis) leaves it out: the runtime then
   * counts the blobs this handle wrote or read.
   */
  count?(): Await<BlobCount>;

  /**
   * Cross-handle gc safety, for stores several handles share (LMDB across processes, Redis
   * across clients). Without it, gc is safe against its own handle's operations only.
   */
  readonly sweeps?: SweepGuard;

  /** Makes every write so far durable. */
  flush(): Await<void>;

  /** Releases the store; writes already handed to it complete first. */
  close(): Await<void>;
}

/**
 * How a gc in one handle stays safe against writers in other handles (optimistic concurrency):
 *
 *  1. `begin()` opens a sweep. While any sweep is open, the store records, with a rising
 *     sequence number, every key that any handle writes or finds present in `putMany`, checks
 *     with `touch`, or names in `setRoot`.
 *  2. The gc marks from the roots and from `touchedSince(begin's seq)`, lists the unmarked keys
 *     and orders them parents first.
 *  3. It deletes them in batches with `deleteIfUntouched(batch, seq)`: atomically, all of the
 *     batch if nothing was recorded after `seq`, else nothing. Then it marks from what was
 *     recorded (`touchedSince`), drops those from its list, and retries with the new sequence.
 *  4. `end()` closes the sweep (a sweep whose gc died expires after its lease).
 *
 * A writer reusing a key it did not write (an arc stored earlier) `touch`es it before writing a
 * parent that refers to it; `touch` answering false means the blob is gone, and the writer fails
 * loudly instead of storing a dangling parent. Parents-first deletion guarantees that a key a
 * writer can still touch has all of its descendants.
 */
export interface SweepGuard {
  /** Opens a sweep; resolves to the current sequence number. */
  begin(): Await<number>;
  /** Keys recorded after sequence `since` (each once), and the sequence now. */
  touchedSince(since: number): Await<{
    /** The keys recorded after `since`. */
    keys: DataKey[];
    /** The sequence number now: the `since` of the next call. */
    seq: number;
  }>;
  /**
   * Deletes every key of `keys` iff nothing was recorded after `seq`, atomically with that check:
   * the sum of the `data` lengths removed, or undefined (nothing deleted) when something was.
   */
  deleteIfUntouched(keys: readonly DataKey[], seq: number): Await<number | undefined>;
  /** Closes the sweep `begin` opened. */
  end(): Await<void>;
  /** `hasMany` that is also recorded while a sweep is open. */
  touch(keys: readonly DataKey[]): Await<boolean[]>;
}
