import { ARC_HOST, type ArcHost, type HasArcHost } from '../arc/arc-host.js';
import { ArcCache } from '../arc/arc-cache.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { innerOf, isPagableArc } from '../arc/pagable-arc.js';
import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import { type ChildRef, rootOfValue } from '../codec/encoder.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError, toPagableError } from '../error.js';
import { rootOf } from '../metadata/class-meta.js';
import { ANY, type RootSchema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { PageInRun, type Wanted, classId } from './page-in.js';
import { PageOutRun, type PageOutSink } from './page-out.js';
import type { GcReport, PageOutReport, PagableStorage, RootEntry, StorageStats } from './interface.js';

/** One blob to write, with its key. */
export interface BlobEntry {
  readonly key: DataKey;
  readonly data: PagableData;
}

/** Options every storage accepts. */
export interface StorageOptions {
  /** Dev mode: deep-freeze values once they have a key, so mutations of stored data throw. */
  freeze?: boolean;
}

type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

const ROOT_NAME_MAX = 1024;

/**
 * The arc machinery every backend shares: page-out queue, arc cache, save / load, stats, roots and
 * gc. A backend implements raw blob I/O only (store, fetch, fetch-sync where it can, has, their
 * batch forms, plus keys / delete / roots for gc and tools), so every backend behaves the same
 * and passes one conformance suite.
 */
export abstract class PagableStorageBase implements PagableStorage, HasArcHost, AsyncDisposable {
  // ---- raw I/O, for backends ------------------------------------------------------------------

  /** Writes blobs whose key is absent; per entry, true if it was written, false if already present. */
  protected abstract rawStoreMany(entries: readonly BlobEntry[]): MaybePromise<boolean[]>;
  /** One blob, or undefined when absent. */
  protected abstract rawFetch(key: DataKey): MaybePromise<PagableData | undefined>;
  /** One blob, synchronously; backends that cannot leave this undefined. */
  protected rawFetchSync?(key: DataKey): PagableData | undefined;
  /** True when the blob is present. */
  protected abstract rawHas(key: DataKey): MaybePromise<boolean>;
  /** Every stored key (gc, tools). */
  protected abstract rawKeys(): AsyncIterable<DataKey> | Iterable<DataKey>;
  /** Deletes blobs (gc); returns the bytes freed. */
  protected abstract rawDeleteMany(keys: readonly DataKey[]): MaybePromise<number>;
  /** Sets (or with undefined, deletes) a named root. */
  protected abstract rawSetRoot(name: string, key: DataKey | undefined): MaybePromise<void>;
  protected abstract rawGetRoot(name: string): MaybePromise<DataKey | undefined>;
  protected abstract rawListRoots(): MaybePromise<RootEntry[]>;

  protected rawStore(entry: BlobEntry): MaybePromise<boolean> {
    const r = this.rawStoreMany([entry]);
    return isPromise(r) ? r.then((x) => x[0]!) : r[0]!;
  }

  protected rawFetchMany(keys: readonly DataKey[]): MaybePromise<Array<PagableData | undefined>> {
    return Promise.all(keys.map((k) => this.rawFetch(k)));
  }

  protected rawHasMany(keys: readonly DataKey[]): MaybePromise<boolean[]> {
    return Promise.all(keys.map((k) => this.rawHas(k)));
  }

  /** Makes writes durable. */
  protected rawFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Releases the backend. */
  protected rawClose(): Promise<void> {
    return Promise.resolve();
  }

  /** For backends that open an existing store: what is already in it. */
  protected setKnown(blobs: number, bytes: number): void {
    this.#stats.blobs = blobs;
    this.#stats.bytes = bytes;
  }

  // ---- shared machinery -----------------------------------------------------------------------

  readonly #stats: StorageStats = { blobs: 0, bytes: 0, stores: 0, dedupHits: 0, fetches: 0 };
  readonly #cache = new ArcCache();
  readonly #arcs = new ArcCache();
  #queue: ArcInner[] = [];
  #closed = false;
  /** Keys stored or reused while a gc runs: never swept. */
  #gcLive: Set<DataKey> | undefined;
  #gcRunning: Promise<GcReport> | undefined;
  readonly [ARC_HOST]: ArcHost;

  constructor(options: StorageOptions = {}) {
    this[ARC_HOST] = {
      scheduleForPaging: (inner) => {
        if (this.#closed || inner.scheduled) return;
        inner.scheduled = true;
        this.#queue.push(inner);
      },
      pageIn: (inner) => this.#pageInArc(inner),
      pageInSync: (inner) => this.#pageInArcSync(inner),
      freezeValues: options.freeze === true,
      fetchData: (key) => this.fetchData(key),
      arcs: this.#arcs,
    };
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`);
  }

  #checkKey(key: unknown, what: string): asserts key is DataKey {
    if (!isDataKey(key)) throw new PagableError('NOT_FOUND', `${what}: ${JSON.stringify(key)} is not a key (32 lowercase hex characters)`);
  }

  #count(entries: readonly BlobEntry[], written: readonly boolean[]): void {
    const s = this.#stats;
    for (let i = 0; i < entries.length; i++) {
      s.stores++;
      if (written[i]) {
        s.blobs++;
        s.bytes += entries[i]!.data.data.length;
      } else {
        s.dedupHits++;
      }
    }
  }

  #write(entries: readonly BlobEntry[]): MaybePromise<void> {
    if (entries.length === 0) return;
    const live = this.#gcLive;
    if (live !== undefined) for (const e of entries) live.add(e.key);
    let r: MaybePromise<boolean[]>;
    try {
      r = this.rawStoreMany(entries);
    } catch (e) {
      throw toPagableError(e, 'IO', `storing ${entries.length} blob(s)`);
    }
    if (isPromise(r)) {
      return r.then((w) => this.#count(entries, w), (e: unknown) => { throw toPagableError(e, 'IO', `storing ${entries.length} blob(s)`); });
    }
    this.#count(entries, r);
  }

  /** Stores one blob; idempotent for equal data (a repeat counts a dedup hit). */
  storeData(data: PagableData): DataKey | Promise<DataKey> {
    this.#checkOpen('storeData');
    if (!(data?.data instanceof Uint8Array) || !Array.isArray(data.arcs)) {
      throw new PagableError('CORRUPT', 'storeData: expected { data: Uint8Array, arcs: DataKey[] }');
    }
    // Copy: the caller may reuse its buffer, and a stored blob must never change.
    const own: PagableData = { data: new Uint8Array(data.data), arcs: data.arcs.slice() };
    const key = computeKey(own);
    const r = this.#write([{ key, data: own }]);
    return isPromise(r) ? r.then(() => key) : key;
  }

  /** One blob; NOT_FOUND if absent, STORAGE_CLOSED after close. */
  async fetchData(key: DataKey): Promise<PagableData> {
    this.#checkOpen('fetchData');
    this.#checkKey(key, 'fetchData');
    const [blob] = await this.#fetchMany([key], undefined);
    return blob!;
  }

  /** One blob, synchronously; IO where the backend cannot (use fetchData). */
  fetchDataSync(key: DataKey): PagableData {
    this.#checkOpen('fetchDataSync');
    this.#checkKey(key, 'fetchDataSync');
    return this.#fetchSync(key, undefined);
  }

  #notFound(key: DataKey, w: Wanted | undefined): PagableError {
    const what = w?.root.k === 'class' ? ` (a ${w.root.cls.name})` : '';
    return new PagableError('NOT_FOUND', `blob ${key}${what} is not in this storage`);
  }

  /** Blob reads in flight, so concurrent page-ins needing one blob fetch it once. */
  readonly #inflight = new Map<DataKey, Promise<PagableData | undefined>>();

  async #fetchMany(keys: readonly DataKey[], wanted: readonly Wanted[] | undefined): Promise<PagableData[]> {
    const pending = new Array<Promise<PagableData | undefined>>(keys.length);
    const fresh: DataKey[] = [];
    const freshAt: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const p = this.#inflight.get(keys[i]!);
      if (p !== undefined) pending[i] = p;
      else { fresh.push(keys[i]!); freshAt.push(i); }
    }
    if (fresh.length > 0) {
      const batch = Promise.resolve().then(() => this.rawFetchMany(fresh));
      this.#stats.fetches += fresh.length;
      for (let j = 0; j < fresh.length; j++) {
        const k = fresh[j]!;
        const p = batch.then((got) => got[j]);
        this.#inflight.set(k, p);
        // Forget the read once settled: a later page-in reads again (the arc cache holds values).
        void p.then(() => this.#inflight.delete(k), () => this.#inflight.delete(k));
        pending[freshAt[j]!] = p;
      }
    }
    let got: Array<PagableData | undefined>;
    try {
      got = await Promise.all(pending);
    } catch (e) {
      throw toPagableError(e, 'IO', `fetching ${keys.length === 1 ? 'blob ' + keys[0] : keys.length + ' blobs'}`);
    }
    this.#checkOpen('fetch');
    for (let i = 0; i < got.length; i++) if (got[i] === undefined) throw this.#notFound(keys[i]!, wanted?.[i]);
    return got as PagableData[];
  }

  #fetchSync(key: DataKey, w: Wanted | undefined): PagableData {
    if (this.rawFetchSync === undefined) {
      throw new PagableError('IO', `blob ${key}: this storage cannot fetch synchronously; use pin() / fetchData()`);
    }
    let blob: PagableData | undefined;
    try {
      blob = this.rawFetchSync(key);
    } catch (e) {
      throw toPagableError(e, 'IO', `fetching blob ${key}`);
    }
    this.#stats.fetches++;
    if (blob === undefined) throw this.#notFound(key, w);
    return blob;
  }

  async #drive(run: PageInRun): Promise<unknown> {
    // Backends that read synchronously (memory, LMDB) are driven without a promise per blob:
    // the page-in then runs to completion at once, so concurrent page-ins cannot both fetch a blob.
    if (this.rawFetchSync !== undefined) return this.#driveSync(run);
    while (run.wanted.length > 0) {
      const batch = run.wanted;
      run.wanted = [];
      const blobs = await this.#fetchMany(batch.map((w) => w.key), batch);
      for (let i = 0; i < batch.length; i++) run.supply(batch[i]!, blobs[i]!);
    }
    return run.finish();
  }

  #driveSync(run: PageInRun): unknown {
    while (run.wanted.length > 0) {
      const batch = run.wanted;
      run.wanted = [];
      for (const w of batch) run.supply(w, this.#fetchSync(w.key, w));
    }
    return run.finish();
  }

  async #pageInArc(inner: ArcInner): Promise<void> {
    this.#checkOpen('pin');
    if (inner.key === undefined) throw new PagableError('IO', 'pin: the arc has neither a value nor a key');
    const value = await this.#drive(new PageInRun(this[ARC_HOST], this.#cache, inner.key, inner.root ?? ANY));
    inner.settle(value);
  }

  #pageInArcSync(inner: ArcInner): void {
    this.#checkOpen('pinSync');
    if (inner.key === undefined) throw new PagableError('IO', 'pinSync: the arc has neither a value nor a key');
    inner.settle(this.#driveSync(new PageInRun(this[ARC_HOST], this.#cache, inner.key, inner.root ?? ANY)));
  }

  /** Pages out a whole graph (every blob reachable, arcs of other storages included); resolves once stored. */
  async save(value: object): Promise<DataKey> {
    this.#checkOpen('save');
    if (this.#gcRunning !== undefined) await this.#gcRunning.catch(() => undefined);
    const sink = new Sink();
    const run = new PageOutRun(this[ARC_HOST], sink);
    let ref: ChildRef;
    if (isPagableArc(value)) {
      const inner = innerOf(value);
      ref = { target: inner, isArc: true, root: inner.root ?? rootOfValue(inner.value), owner: undefined, field: 'PagableArc' };
    } else {
      if (typeof value !== 'object' || value === null) {
        throw new PagableError('TYPE_MISMATCH', `save: expected an object, got ${value === null ? 'null' : typeof value}`);
      }
      const root = rootOfValue(value);
      ref = { target: value, isArc: false, root, owner: undefined, field: root.k === 'class' ? root.cls.name : 'value' };
    }
    const key = run.run(ref);
    await this.#commit(sink, run);
    return key;
  }

  /** Writes what a run produced, copies foreign blobs, then gives arcs their keys. */
  #commit(sink: Sink, run: PageOutRun): MaybePromise<number> {
    if (this.#gcLive !== undefined) for (const k of sink.reused) this.#gcLive.add(k);
    const w = this.#write(sink.entries);
    const after = (): MaybePromise<number> => {
      if (sink.copies.length > 0) return this.#copyForeign(sink.copies).then(() => this.#applyKeys(run));
      return this.#applyKeys(run);
    };
    return isPromise(w) ? w.then(after) : after();
  }

  #applyKeys(run: PageOutRun): number {
    let pagedOut = 0;
    for (const [inner, key, root] of run.keyed) {
      inner.root ??= root;
      if (inner.key === undefined) inner.setKey(key);
      if (!inner.resident) pagedOut++;
      // A paged-out arc is what a @Lazy field decoded later with its key and class stands for:
      // hand back this very arc (as the Rust crate's arc cache does). A still-pinned one is not
      // registered, so a page-in never returns a resident value it did not fetch.
      if (!inner.resident) {
        const id = classId(inner.root);
        if (this.#arcs.get(id, key) === undefined) this.#arcs.set(id, key, inner);
      }
    }
    return pagedOut;
  }

  async #copyForeign(copies: ReadonlyArray<[ArcHost, DataKey]>): Promise<void> {
    for (const [host, top] of copies) {
      const stack = [top];
      while (stack.length > 0) {
        const k = stack.pop()!;
        if (await this.rawHas(k)) continue;
        const blob = await host.fetchData(k);
        await this.#write([{ key: k, data: blob }]);
        for (const c of blob.arcs) stack.push(c);
      }
    }
  }

  /** Pages a graph back in as `cls`, or as the tagged subclass the blob names. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async load<T>(cls: abstract new (...a: any[]) => T, key: DataKey): Promise<T> {
    this.#checkOpen('load');
    this.#checkKey(key, 'load');
    if (typeof cls !== 'function') throw new PagableError('NOT_PAGABLE', `load: expected a class, got ${typeof cls}`);
    const root: RootSchema = rootOf(cls as Class);
    return (await this.#drive(new PageInRun(this[ARC_HOST], this.#cache, key, root))) as T;
  }

  /** Arcs scheduled for page-out that still need writing. */
  pendingPagingCount(): number {
    let n = 0;
    for (const inner of this.#queue) if (inner.key === undefined && inner.resident) n++;
    return n;
  }

  /**
   * Serializes every scheduled arc (children first), stores it, sets its key and drops its value
   * when nobody pins it. An arc whose value cannot be encoded stays resident and is reported.
   * Synchronous when the backend writes synchronously (memory) and no arc of another storage must
   * be fetched to be copied here.
   */
  pageOutPending(): PageOutReport | Promise<PageOutReport> {
    if (this.#closed) {
      this.#queue = [];
      return { pagedOut: 0, failed: [] };
    }
    const sink = new Sink();
    const run = new PageOutRun(this[ARC_HOST], sink);
    const failed: PagableError[] = [];
    while (this.#queue.length > 0) {
      const queue = this.#queue;
      this.#queue = [];
      for (const inner of queue) {
        inner.scheduled = false;
        if (inner.key !== undefined || !inner.resident) continue;
        const root = inner.root ?? rootOfValue(inner.value);
        try {
          run.run({ target: inner, isArc: true, root, owner: undefined, field: root.k === 'class' ? `PagableArc<${root.cls.name}>` : 'PagableArc' });
        } catch (e) {
          // A run rethrows the error of a value that already failed: report each failure once.
          const err = toPagableError(e, 'IO', 'page-out');
          if (!failed.includes(err)) failed.push(err);
        }
      }
    }
    const r = this.#commit(sink, run);
    return isPromise(r) ? r.then((pagedOut) => ({ pagedOut, failed })) : { pagedOut: r, failed };
  }

  /** Makes everything written so far durable. */
  async flush(): Promise<void> {
    this.#checkOpen('flush');
    await this.rawFlush();
  }

  /** A snapshot of the counters. */
  stats(): StorageStats {
    return { ...this.#stats };
  }

  /** Closes the backend; held arcs then fail to page in with STORAGE_CLOSED, nothing crashes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const inner of this.#queue) inner.scheduled = false;
    this.#queue = [];
    this.#cache.clear();
    this.#arcs.clear();
    await this.rawClose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- roots and gc ---------------------------------------------------------------------------

  /** Names `key` as a root: gc keeps it and everything below it. */
  async setRoot(name: string, key: DataKey): Promise<void> {
    this.#checkOpen('setRoot');
    checkRootName(name);
    this.#checkKey(key, 'setRoot');
    if (!(await this.rawHas(key))) throw new PagableError('NOT_FOUND', `setRoot("${name}"): blob ${key} is not in this storage`);
    this.#gcLive?.add(key);
    await this.rawSetRoot(name, key);
  }

  /** The key of a named root, if set. */
  async getRoot(name: string): Promise<DataKey | undefined> {
    this.#checkOpen('getRoot');
    checkRootName(name);
    return await this.rawGetRoot(name);
  }

  /** Every named root, by name. */
  async listRoots(): Promise<RootEntry[]> {
    this.#checkOpen('listRoots');
    const roots = await this.rawListRoots();
    return roots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Removes a named root; true if it existed. */
  async deleteRoot(name: string): Promise<boolean> {
    this.#checkOpen('deleteRoot');
    checkRootName(name);
    const had = (await this.rawGetRoot(name)) !== undefined;
    if (had) await this.rawSetRoot(name, undefined);
    return had;
  }

  /** Every stored key. */
  async *keys(): AsyncIterable<DataKey> {
    this.#checkOpen('keys');
    yield* this.rawKeys();
  }

  /**
   * Removes every blob not reachable from a named root (mark, then sweep; both iterative). A blob
   * stored or reused while gc runs is never removed, nor anything below it.
   */
  gc(onProgress?: (phase: 'mark' | 'sweep', done: number) => void): Promise<GcReport> {
    this.#checkOpen('gc');
    if (this.#gcRunning !== undefined) return this.#gcRunning;
    this.#gcLive = new Set();
    const p = this.#gc(onProgress).finally(() => {
      this.#gcLive = undefined;
      this.#gcRunning = undefined;
    });
    this.#gcRunning = p;
    return p;
  }

  async #gc(onProgress?: (phase: 'mark' | 'sweep', done: number) => void): Promise<GcReport> {
    const marked = new Set<DataKey>();
    const mark = async (tops: Iterable<DataKey>): Promise<void> => {
      const stack = [...tops];
      while (stack.length > 0) {
        const k = stack.pop()!;
        if (marked.has(k)) continue;
        marked.add(k);
        const blob = await this.rawFetch(k);
        if (blob !== undefined) for (const c of blob.arcs) if (!marked.has(c)) stack.push(c);
        if (onProgress && marked.size % 1000 === 0) onProgress('mark', marked.size);
      }
    };
    await mark((await this.rawListRoots()).map((r) => r.key));
    const garbage: DataKey[] = [];
    let seen = 0;
    for await (const k of this.rawKeys()) {
      if (!marked.has(k)) garbage.push(k);
      seen++;
      if (onProgress && seen % 1000 === 0) onProgress('sweep', seen);
    }
    // Whatever was stored, reused or rooted meanwhile is live, and so is everything below it.
    await mark([...this.#gcLive!, ...(await this.rawListRoots()).map((r) => r.key)]);
    const doomed = garbage.filter((k) => !marked.has(k));
    const freedBytes = doomed.length > 0 ? await this.rawDeleteMany(doomed) : 0;
    this.#stats.blobs -= doomed.length;
    this.#stats.bytes -= freedBytes;
    return { freedBlobs: doomed.length, freedBytes, keptBlobs: seen - doomed.length };
  }

  /** Re-hashes every stored blob; returns the keys whose content does not match. */
  async verify(onProgress?: (done: number) => void): Promise<{ checked: number; corrupt: DataKey[] }> {
    this.#checkOpen('verify');
    const corrupt: DataKey[] = [];
    let checked = 0;
    for await (const k of this.rawKeys()) {
      try {
        const blob = await this.rawFetch(k);
        if (blob === undefined || computeKey(blob) !== k) corrupt.push(k);
      } catch {
        corrupt.push(k);
      }
      checked++;
      if (onProgress && checked % 1000 === 0) onProgress(checked);
    }
    return { checked, corrupt };
  }
}

function checkRootName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > ROOT_NAME_MAX) {
    throw new PagableError('NOT_FOUND', `root names are non-empty strings of at most ${ROOT_NAME_MAX} characters, got ${JSON.stringify(name)}`);
  }
}

/** Collects a run's output. */
class Sink implements PageOutSink {
  readonly entries: BlobEntry[] = [];
  readonly copies: Array<[ArcHost, DataKey]> = [];
  readonly reused: DataKey[] = [];
  put(key: DataKey, data: PagableData): void {
    this.entries.push({ key, data });
  }
  copyFrom(host: ArcHost, key: DataKey): void {
    this.copies.push([host, key]);
  }
  reuse(key: DataKey): void {
    this.reused.push(key);
  }
}
