import { ARC_HOST, type ArcHost, type HasArcHost } from '../arc/arc-host.js';
import { ArcCache } from '../arc/arc-cache.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { ArcKinds } from '../arc/arc-kind.js';
import { FrozenKeys } from '../arc/frozen-keys.js';
import '../arc/pagable-arc.js';
import '../arc/pinned-pagable-arc.js';
import { andThen, isPromise } from '../blobstore/await.js';
import type { Await, BlobEntry, BlobStore } from '../blobstore/interface.js';
import { PagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import { type DataKey, type PagableData, checkKey } from '../keys/data.js';
import { rootOf } from '../metadata/class-meta.js';
import { ANY, type RootSchema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { AutoPageOut } from './auto-page-out.js';
import { BlobIo } from './blob-io.js';
import { collectGarbage } from './gc.js';
import type { GcReport, PageOutReport, PagableStorage, RootEntry, StorageOptions, StorageStats, VerifyReport } from './interface.js';
import { hasRawIoMethods, rawIoStore } from './raw-io-store.js';
import { LiveKeys, type LiveOp } from './live-keys.js';
import { PageInRun } from './page-in.js';
import type { PageOutRun } from './page-out.js';
import { retire, takeRun } from './page-out-reuse.js';
import { PageOutRuns } from './page-out-runs.js';
import { saveRoot } from './save-root.js';
import { pageOutInBatches } from './page-out-batches.js';
import { commitPageOut } from './page-out-commit.js';
import { PageOutQueue } from './page-out-queue.js';
import { drive, driveSync, notFound } from './page-in-driver.js';
import { checkRootName } from './root-name.js';
import { verifyStore } from './verify.js';

export type { BlobEntry, StorageOptions };

/**
 * The paging runtime: turns any BlobStore into a full PagableStorage — the page-out queue, arc
 * caches, page-in drivers (synchronous where the store reads synchronously), save / load,
 * copying from other storages, stats, roots, gc and verify — so every backend behaves the same.
 * `new PagableStorageBase(store)` is a storage over a custom backend; InMemoryPagableStorage,
 * LmdbPagableStorage and RedisPagableStorage are this runtime over their own stores.
 */
export class PagableStorageBase implements PagableStorage, HasArcHost, AsyncDisposable {
  readonly #io: BlobIo;
  readonly #live = new LiveKeys();
  /** Objects paged in, by (class, key), held weakly: the same blob read twice is one object. */
  readonly #cache = new ArcCache();
  /** The kinds of this storage's arcs: where every handle on one blob meets the arc's live inner. */
  readonly #kinds: ArcKinds;
  readonly #queue = new PageOutQueue();
  readonly #runs = new PageOutRuns();
  #gcRunning: Promise<GcReport> | undefined;
  readonly #auto: AutoPageOut | undefined;
  readonly #onPageOut: ((report: PageOutReport) => void) | undefined;
  /** @internal What arcs bound to this storage call back into (see ArcHost); not for users. */
  readonly [ARC_HOST]: ArcHost;

  /**
   * A storage paging through `store`; counts what the store holds when it can count
   * synchronously. (Subclasses written for version 0.1 that implement `protected raw*` methods instead call
   * `super(options?)` and keep working.)
   */
  constructor(store?: BlobStore | StorageOptions, options: StorageOptions = {}) {
    if (store === undefined || typeof (store as Partial<BlobStore>).putMany !== 'function') {
      if (!hasRawIoMethods(this)) {
        throw new PagableError(
          'INVALID_ARGUMENT',
          'PagableStorageBase: expected a BlobStore (putMany, getMany, ...) as the first argument',
        );
      }
      options = (store as StorageOptions | undefined) ?? {};
      store = rawIoStore(this, new.target.name);
    }
    this.#io = new BlobIo(store as BlobStore);
    const counted = this.#io.count();
    // An asynchronous count fills in when it arrives (use PagableStorageBase.create to wait for it).
    if (isPromise(counted)) counted.catch(() => undefined);
    const host: ArcHost = {
      scheduleForPaging: (inner) => {
        if (this.#io.closed || inner.scheduled) return;
        this.#queue.push(inner);
        this.#auto?.scheduled(this.#queue.length);
      },
      pageIn: (inner) => this.#pageInArc(inner),
      pageInSync: (inner) => this.#pageInArcSync(inner),
      freezeValues: options.freeze === true,
      frozenKeys: options.freeze === true ? new FrozenKeys() : undefined,
      fetchData: (key) => this.fetchData(key),
      kindFor: (root) => this.#kinds.of(root),
    };
    this.#kinds = new ArcKinds(host);
    this[ARC_HOST] = host;
    this.#onPageOut = options.onPageOut;
    this.#auto =
      options.autoPageOut === undefined
        ? undefined
        : new AutoPageOut(
            options.autoPageOut,
            {
              run: () => this.pageOutPending(),
              // On the caller's stack only where every write can finish there, and no gc holds writers off.
              reclaim: (more) => (this.#io.closed || !this.#io.canWriteSync || this.#live.gated ? undefined : this.#pageOut(true, more)),
              pending: () => this.pendingPagingCount(),
            },
            options.onPageOut,
          );
  }

  /** A storage over `store`, once the store's own count (stats().blobs / bytes) is in. */
  static async create(store: BlobStore, options: StorageOptions = {}): Promise<PagableStorageBase> {
    const s = new PagableStorageBase(store, options);
    await s.#io.count();
    return s;
  }

  /** For raw-method backends (version 0.1): starts `stats().blobs` / `bytes` from what the store already holds. */
  protected setKnown(blobs: number, bytes: number): void {
    this.#io.counters.blobs = blobs;
    this.#io.counters.bytes = bytes;
  }

  /** The BlobStore this storage pages through (for tools: listing, raw reads). */
  get blobStore(): BlobStore {
    return this.#io.store;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#io.closed;
  }

  /**
   * Runs a write of this handle: gc's final step waits for it, and it for gc's final step. The
   * operation whose keys it records is the caller's, ended once its result is delivered (see LiveKeys).
   */
  #write<T>(what: string, body: () => Await<T>): Await<T> {
    this.#io.checkOpen(what);
    const enter = (): Await<T> => {
      let r: Await<T>;
      try {
        r = body();
      } catch (e) {
        this.#live.leaveWriter();
        throw e;
      }
      if (!isPromise(r)) {
        this.#live.leaveWriter();
        return r;
      }
      return r.finally(() => this.#live.leaveWriter());
    };
    const gate = this.#live.enterWriter();
    return gate === undefined ? enter() : gate.then(enter);
  }

  /** Runs `body` as one operation of this handle, ended once its (sync or async) result is settled. */
  #operation<T>(body: (op: LiveOp) => Await<T>): Await<T> {
    const op = this.#live.begin();
    let r: Await<T>;
    try {
      r = body(op);
    } catch (e) {
      this.#live.end(op);
      throw e;
    }
    if (!isPromise(r)) {
      this.#live.end(op);
      return r;
    }
    return r.finally(() => this.#live.end(op));
  }

  /** Stores one blob; idempotent for equal data (a repeat counts a dedup hit). */
  storeData(data: PagableData): DataKey | Promise<DataKey> {
    if (!(data?.data instanceof Uint8Array) || !Array.isArray(data.arcs)) {
      throw new PagableError('INVALID_ARGUMENT', 'storeData: expected { data: Uint8Array, arcs: DataKey[] }');
    }
    // Copy: the caller may reuse its buffer, and a stored blob must never change.
    const own: PagableData = { data: new Uint8Array(data.data), arcs: data.arcs.slice() };
    const key = computeKey(own);
    return this.#operation((op) =>
      this.#write('storeData', () => {
        this.#live.record(op, [key]);
        return andThen(this.#io.put([{ key, data: own }]), () => key);
      }),
    );
  }

  /** One blob; NOT_FOUND if absent, STORAGE_CLOSED after close. */
  async fetchData(key: DataKey): Promise<PagableData> {
    this.#io.checkOpen('fetchData');
    checkKey(key, 'fetchData', 'NOT_FOUND');
    const [blob] = await this.#io.fetchMany([key], () => notFound(key, undefined));
    return blob!;
  }

  /** One blob, synchronously; IO where the backend cannot (use fetchData). */
  fetchDataSync(key: DataKey): PagableData {
    this.#io.checkOpen('fetchDataSync');
    checkKey(key, 'fetchDataSync', 'NOT_FOUND');
    return this.#io.fetchSync(key, () => notFound(key, undefined));
  }

  async #pageInArc(inner: ArcInner): Promise<void> {
    this.#io.checkOpen('pin');
    const id = inner.id;
    if (id === undefined) throw new PagableError('IO', 'pin: the arc has neither a value nor a key');
    inner.settle(await drive(this.#io, PageInRun.takeId(this[ARC_HOST], this.#cache, id, inner.root ?? ANY)));
  }

  #pageInArcSync(inner: ArcInner): void {
    this.#io.checkOpen('pinSync');
    const id = inner.id;
    if (id === undefined) throw new PagableError('IO', 'pinSync: the arc has neither a value nor a key');
    inner.settle(driveSync(this.#io, PageInRun.takeId(this[ARC_HOST], this.#cache, id, inner.root ?? ANY)));
  }

  /** Pages out a whole graph (every blob reachable, arcs of other storages included); resolves once stored. */
  async save(value: object): Promise<DataKey> {
    const ref = saveRoot(value);
    // The operation ends only after this promise settles (a microtask after the last write, even
    // when every write was synchronous), so a gc() called before then keeps what it wrote.
    const op = this.#live.begin();
    let run: PageOutRun | undefined;
    try {
      return await this.#write('save', () => {
        run = takeRun(this[ARC_HOST]);
        const key = run.keyAt(run.run(ref));
        return andThen(commitPageOut(this.#io, this.#live, run, op), () => key);
      });
    } finally {
      this.#live.end(op);
      // Only now: the operation's record of the run's batch is gone (see LiveOp).
      if (run !== undefined) retire(run);
    }
  }

  /** Pages a graph back in as `cls`, or as the tagged subclass the blob names. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async load<T>(cls: abstract new (...a: any[]) => T, key: DataKey): Promise<T> {
    this.#io.checkOpen('load');
    checkKey(key, 'load');
    if (typeof cls !== 'function') throw new PagableError('INVALID_ARGUMENT', `load: expected a class, got ${typeof cls}`);
    const root: RootSchema = rootOf(cls as Class);
    return (await drive(this.#io, PageInRun.take(this[ARC_HOST], this.#cache, key, root))) as T;
  }

  /** Arcs scheduled for page-out that still need writing. */
  pendingPagingCount(): number {
    return this.#queue.pending();
  }

  /**
   * Serializes every scheduled arc (children first) in batches of bounded size, stores it, sets its
   * key and drops its value when nobody pins it. A value that cannot be encoded stays resident and
   * is reported; a failed write rejects and queues its batch's arcs again, so nothing is stranded.
   * Synchronous when the backend writes synchronously (memory) and no arc of another storage must
   * be fetched to be copied here.
   */
  pageOutPending(): PageOutReport | Promise<PageOutReport> {
    if (this.#io.closed) {
      this.#queue.clear();
      return { pagedOut: 0, failed: [] };
    }
    return this.#runs.pageOut(
      () => this.#pageOut(false, undefined),
      () => this.#queue.length > 0 && !this.#io.closed,
    );
  }

  #pageOut(sync: boolean, more: (() => boolean) | undefined): Await<PageOutReport> {
    const host = this[ARC_HOST];
    return this.#runs.track(() =>
      this.#write('pageOutPending', () =>
        pageOutInBatches({
          host,
          io: this.#io,
          live: this.#live,
          queue: this.#queue,
          requeue: (i) => host.scheduleForPaging(i),
          sync,
          more,
        }),
      ),
    );
  }

  /** Resolves once nothing needs paging out; see PagableStorage.drain. */
  drain(): Promise<void> {
    if (this.#io.closed) return Promise.reject(new PagableError('STORAGE_CLOSED', 'drain: the storage is closed'));
    if (this.#auto !== undefined) return this.#auto.drain();
    if (this.#queue.length === 0) return Promise.resolve();
    return Promise.resolve(this.pageOutPending()).then((report) => this.#onPageOut?.(report));
  }

  /** Makes everything written so far durable. */
  async flush(): Promise<void> {
    this.#io.checkOpen('flush');
    await this.#io.call('flushing', () => this.#io.store.flush());
  }

  /** A snapshot of the counters (with autoPageOut, also its runs and the arcs they paged out). */
  stats(): StorageStats {
    const s: StorageStats = { ...this.#io.counters };
    if (this.#auto !== undefined) {
      s.autoPageOuts = this.#auto.runs;
      s.autoPagedOut = this.#auto.pagedOut;
      s.autoReclaims = this.#auto.reclaims;
    }
    return s;
  }

  /** Closes the backend; held arcs then fail to page in with STORAGE_CLOSED, nothing crashes. */
  async close(): Promise<void> {
    if (this.#io.closed) return;
    this.#io.shut();
    this.#auto?.close();
    this.#queue.clear();
    this.#cache.clear();
    await this.#io.call('closing', () => this.#io.store.close());
  }

  /** `await using storage = ...` closes the storage at the end of the block: the same as `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- roots and gc ---------------------------------------------------------------------------

  /** Names `key` as a root: gc keeps it and everything below it. NOT_FOUND if the blob is absent. */
  async setRoot(name: string, key: DataKey): Promise<void> {
    checkRootName(name);
    checkKey(key, 'setRoot');
    await this.#operation((op) =>
      this.#write('setRoot', async () => {
        this.#live.record(op, [key]);
        const set = await this.#io.call(`setting root "${name}"`, () => this.#io.store.setRoot(name, key));
        if (!set) throw new PagableError('NOT_FOUND', `setRoot("${name}"): blob ${key} is not in ${this.#io.store.name}`);
      }),
    );
  }

  /** The key of a named root, if set. */
  async getRoot(name: string): Promise<DataKey | undefined> {
    this.#io.checkOpen('getRoot');
    checkRootName(name);
    return await this.#io.call(`reading root "${name}"`, () => this.#io.store.getRoot(name));
  }

  /** Every named root, by name. */
  async listRoots(): Promise<RootEntry[]> {
    this.#io.checkOpen('listRoots');
    const roots = await this.#io.call('listing roots', () => this.#io.store.listRoots());
    return roots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Removes a named root; true if it existed. */
  async deleteRoot(name: string): Promise<boolean> {
    this.#io.checkOpen('deleteRoot');
    checkRootName(name);
    return await this.#io.call(`deleting root "${name}"`, () => this.#io.store.deleteRoot(name));
  }

  /** Every stored key. */
  async *keys(): AsyncIterable<DataKey> {
    this.#io.checkOpen('keys');
    try {
      yield* this.#io.store.keys();
    } catch (e) {
      throw this.#io.fail(e, 'listing blobs');
    }
  }

  /**
   * Removes every blob not reachable from a named root or from what an operation of this handle
   * overlapping the gc wrote, reused or rooted (see gc.ts; stores shared by several handles also
   * protect the other handles' writes). Arcs are not roots: an unrooted paged-out arc's blob is
   * garbage, and pinning the arc then fails with NOT_FOUND. One gc at a time.
   */
  gc(onProgress?: (phase: 'mark' | 'sweep', done: number) => void): Promise<GcReport> {
    this.#io.checkOpen('gc');
    if (this.#gcRunning !== undefined) return this.#gcRunning;
    // Frozen objects' keys may name blobs this gc deletes: forgotten before and after (see FrozenKeys).
    const frozen = this[ARC_HOST].frozenKeys;
    frozen?.forget();
    const p = collectGarbage({ io: this.#io, live: this.#live, onProgress }).finally(() => {
      frozen?.forget();
      this.#gcRunning = undefined;
    });
    this.#gcRunning = p;
    return p;
  }

  /** Re-hashes every stored blob; returns the keys whose content does not match. */
  async verify(onProgress?: (done: number) => void): Promise<VerifyReport> {
    this.#io.checkOpen('verify');
    return verifyStore(this.#io, onProgress);
  }
}
