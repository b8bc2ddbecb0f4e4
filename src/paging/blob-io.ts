import { andThen, isPromise } from '../blobstore/await.js';
import { type ByteStore, type ByteView, byteStoreOf, byteViewOf } from '../blobstore/byte-store.js';
import type { Await, BlobEntry, BlobStore } from '../blobstore/interface.js';
import type { BlobBatch } from '../keys/blob-batch.js';
import { PagableError, toPagableError } from '../error.js';
import { type DataKey, type PagableData, keyFromBytes } from '../keys/data.js';
import { dataLengthOf } from '../keys/record-blob.js';
import type { StorageStats } from './interface.js';
import { KnownBlobs } from './known-blobs.js';

/**
 * The runtime's one door to its BlobStore: the closed check (in one place), backend failures
 * turned into PagableError IO naming the store (STORAGE_CLOSED once closed), the counters of
 * `stats()`, and single-flight reads so concurrent page-ins needing one blob fetch it once.
 */
export class BlobIo {
  readonly counters: StorageStats = { blobs: 0, bytes: 0, stores: 0, dedupHits: 0, fetches: 0 };
  /**
   * For stores that cannot count themselves (Redis: shared with writers this handle cannot see):
   * the data length of every blob this handle wrote or read, so `blobs` / `bytes` count those.
   */
  readonly #known: KnownBlobs | undefined;
  #closed = false;
  /** Blob reads in flight, by key. */
  readonly #inflight = new Map<DataKey, Promise<PagableData | undefined>>();

  /** The store's byte access, where it has one (see ByteStore). */
  readonly #bytes: ByteStore | undefined;
  /** The store's reads by key bytes, where it has them. */
  readonly #view: ByteView | undefined;

  constructor(readonly store: BlobStore) {
    this.#known = store.count === undefined ? new KnownBlobs() : undefined;
    this.#bytes = byteStoreOf(store);
    this.#view = byteViewOf(store);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** STORAGE_CLOSED naming `what` once closed. */
  checkOpen(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`);
  }

  /** The error for a failed backend call: STORAGE_CLOSED once closed, else IO naming the store. */
  fail(e: unknown, what: string): PagableError {
    if (this.#closed && !PagableError.is(e)) return new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`, { cause: e });
    return toPagableError(e, 'IO', `${what} in ${this.store.name}`);
  }

  /** Runs one backend call, sync or async, with failures turned into PagableErrors. */
  call<T>(what: string, f: () => Await<T>): Await<T> {
    let r: Await<T>;
    try {
      r = f();
    } catch (e) {
      throw this.fail(e, what);
    }
    return isPromise(r)
      ? r.catch((e: unknown) => {
          throw this.fail(e, what);
        })
      : r;
  }

  /** Starts counting from what the store holds (stores that can count). */
  count(): Await<void> {
    const count = this.store.count;
    if (count === undefined) return;
    return andThen(
      this.call('counting blobs', () => count.call(this.store)),
      (c) => {
        this.counters.blobs = c.blobs;
        this.counters.bytes = c.bytes;
      },
    );
  }

  #learn(key: DataKey, length: number): void {
    if (this.#known?.learnKey(key, length) !== true) return;
    this.counters.blobs++;
    this.counters.bytes += length;
  }

  /** `#learn` of the key at `bytes[at, at + 16)`, making no key string. */
  #learnAt(bytes: Uint8Array, at: number, length: number): void {
    if (this.#known?.learn(bytes, at, length) !== true) return;
    this.counters.blobs++;
    this.counters.bytes += length;
  }

  /** True when the store can write synchronously (`putManySync`). */
  get canWriteSync(): boolean {
    return this.store.putManySync !== undefined;
  }

  /**
   * Writes blobs (absent ones only) and counts stores, dedup hits and new blobs; with `sync`,
   * through `putManySync` where the store offers it, so the write is done when this returns.
   */
  put(entries: readonly BlobEntry[], sync = false): Await<void> {
    if (entries.length === 0) return;
    const what = `storing ${entries.length === 1 ? `blob ${entries[0]!.key}` : `${entries.length} blobs`}`;
    this.checkOpen(what);
    const store = this.store;
    return andThen(
      this.call(what, () => (sync && store.putManySync !== undefined ? store.putManySync(entries) : store.putMany(entries))),
      (written) => {
        const s = this.counters;
        for (let i = 0; i < entries.length; i++) {
          s.stores++;
          const e = entries[i]!;
          if (written[i]) {
            if (this.#known === undefined) {
              s.blobs++;
              s.bytes += e.data.data.length;
            }
          } else {
            s.dedupHits++;
          }
          this.#learn(e.key, e.data.data.length);
        }
      },
    );
  }

  /**
   * Writes a page-out's batch as `put` does: as it is where the store takes bytes, else as
   * BlobEntry objects made from it (copies: the batch's slabs are reused).
   */
  putBatch(batch: BlobBatch, sync = false): Await<void> {
    const n = batch.count;
    if (n === 0) return;
    const bytes = this.#bytes;
    if (bytes === undefined) {
      const entries = new Array<BlobEntry>(n);
      for (let i = 0; i < n; i++) entries[i] = { key: batch.key(i), data: batch.data(i) };
      return this.put(entries, sync);
    }
    const what = `storing ${n === 1 ? `blob ${batch.key(0)}` : `${n} blobs`}`;
    this.checkOpen(what);
    return andThen(
      this.call(what, () => bytes.putBatch(batch, sync)),
      () => {
        const s = this.counters;
        const written = batch.written;
        const known = this.#known;
        s.stores += n;
        for (let i = 0; i < n; i++) {
          const len = batch.length[i]!;
          if (written[i] === 1) {
            if (known === undefined) {
              s.blobs++;
              s.bytes += len;
            }
          } else {
            s.dedupHits++;
          }
          if (known !== undefined) this.#learnAt(batch.keys, 16 * i, len);
        }
      },
    );
  }

  /** The blobs, in order; `notFound(i)` makes the error for an absent one. */
  async fetchMany(keys: readonly DataKey[], notFound: (i: number) => PagableError): Promise<PagableData[]> {
    const what = `fetching ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`;
    this.checkOpen(what);
    const pending = new Array<Promise<PagableData | undefined>>(keys.length);
    const fresh: DataKey[] = [];
    const freshAt: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const p = this.#inflight.get(keys[i]!);
      if (p !== undefined) pending[i] = p;
      else {
        fresh.push(keys[i]!);
        freshAt.push(i);
      }
    }
    if (fresh.length > 0) {
      const batch = Promise.resolve().then(() => this.call(what, () => this.store.getMany(fresh)));
      this.counters.fetches += fresh.length;
      for (let j = 0; j < fresh.length; j++) {
        const k = fresh[j]!;
        const p = batch.then((got) => got[j]);
        this.#inflight.set(k, p);
        // Forget the read once settled: a later page-in reads again (the arc cache holds values).
        void p.then(
          () => this.#inflight.delete(k),
          () => this.#inflight.delete(k),
        );
        pending[freshAt[j]!] = p;
      }
    }
    const got = await Promise.all(pending);
    this.checkOpen(what);
    for (let i = 0; i < got.length; i++) {
      const b = got[i];
      if (b === undefined) throw notFound(i);
      this.#learn(keys[i]!, b.data.length);
    }
    return got as PagableData[];
  }

  /** True when the store reads synchronously. */
  get canFetchSync(): boolean {
    return this.store.getSync !== undefined;
  }

  /**
   * One blob, synchronously; IO where the store cannot. With `view`, for a caller that decodes
   * the blob at once and keeps nothing of it, the store may hand out its own memory (`viewSync`).
   */
  fetchSync(key: DataKey, notFound: () => PagableError, view = false): PagableData {
    const blob = this.#readSync(key, view);
    if (blob === undefined) throw notFound();
    return blob;
  }

  /**
   * One blob, synchronously, or undefined when absent, for a caller that decodes it at once and
   * keeps nothing of it: the store may hand out its own memory (`viewSync`). IO where the store
   * cannot read synchronously.
   */
  viewSync(key: DataKey): PagableData | undefined {
    return this.#readSync(key, true);
  }

  /** `viewSync` of the key at `bytes[at, at + 16)`, made a string only where the store needs one. */
  viewSyncAt(bytes: Uint8Array, at: number): PagableData | undefined {
    const view = this.#view;
    if (view === undefined || this.#closed) return this.#readSync(keyFromBytes(bytes, at), true);
    let blob: PagableData | undefined;
    try {
      blob = view.viewAt(bytes, at);
    } catch (e) {
      throw this.fail(e, `fetching blob ${keyFromBytes(bytes, at)}`);
    }
    this.counters.fetches++;
    // A store that cannot count itself: this handle counts what it reads (KnownBlobs, by key bytes).
    if (blob !== undefined && this.#known !== undefined) this.#learnAt(bytes, at, dataLengthOf(blob));
    return blob;
  }

  #readSync(key: DataKey, view: boolean): PagableData | undefined {
    if (this.#closed) this.checkOpen(`fetching blob ${key}`);
    const store = this.store;
    const read = (view ? store.viewSync : undefined) ?? store.getSync;
    if (read === undefined) {
      throw new PagableError('IO', `blob ${key}: ${store.name} cannot be read synchronously; use pin() / fetchData()`);
    }
    let blob: PagableData | undefined;
    try {
      blob = read.call(store, key);
    } catch (e) {
      throw this.fail(e, `fetching blob ${key}`);
    }
    this.counters.fetches++;
    if (blob !== undefined) this.#learn(key, dataLengthOf(blob));
    return blob;
  }

  /** Per key, true when present; `touch` also tells a concurrent sweep of another handle they are in use. */
  has(keys: readonly DataKey[], touch = false): Await<boolean[]> {
    if (keys.length === 0) return [];
    const what = `checking ${keys.length} blob(s)`;
    this.checkOpen(what);
    const sweeps = this.store.sweeps;
    return this.call(what, () => (touch && sweeps !== undefined ? sweeps.touch(keys) : this.store.hasMany(keys)));
  }

  /**
   * Counts blobs a gc deleted. A store that counts itself is asked again: the gc of another handle
   * on the store (in this process or another) may have deleted some of `keys` first, and the blobs
   * others wrote since this handle counted are in its answer too.
   */
  forget(keys: readonly DataKey[]): Await<void> {
    const known = this.#known;
    if (known === undefined) return this.count();
    for (const k of keys) {
      const n = known.forget(k);
      if (n === undefined) continue;
      this.counters.blobs--;
      this.counters.bytes -= n;
    }
  }

  /** Marks the door shut; what is in flight fails with STORAGE_CLOSED. */
  shut(): void {
    this.#closed = true;
  }
}
