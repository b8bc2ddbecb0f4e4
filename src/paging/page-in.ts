import type { ArcHost } from '../arc/arc-host.js';
import type { ArcCache } from '../arc/arc-cache.js';
import { pagedOutArc, pagedOutArcOfId } from '../arc/pagable-arc.js';
import { keyIdAt, writeIdBytes } from '../arc/key-id.js';
import { type DataKey, type PagableData, keyFromBytes, writeKeyBytes } from '../keys/data.js';
import { dataLengthOf } from '../keys/record-blob.js';
import { BlobDecoder, type DecodeContext, missingSchemaSet } from '../codec/decoder.js';
import { addSchemaBlob, missingSchemaBlobs } from '../codec/schema-cache.js';
import { PagableError } from '../error.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import type { RootSchema } from '../metadata/schema.js';
import { FrozenLoad } from './frozen-load.js';
import { noteRestored } from './kept-alive.js';
import { notFound } from './page-in-driver.js';
import { TAGGED, classId, fits, isTagged } from './page-in-identity.js';
import { PageInKeys } from './page-in-keys.js';
import { grown } from '../keys/blob-batch.js';
import { RELEASED, WARM, keepRoom } from './v8-workarounds.js';

/** Marks a blob queued but not yet decoded. */
const QUEUED: unique symbol = Symbol('queued');

/**
 * The page-in engine: decodes a root blob and, breadth first, every `@Shared` blob below it; `@Lazy`
 * children become PagedOut arcs and are not fetched. It never fetches by itself: a driver (sync or
 * async, in the storage) takes the queued entries (`next`, `takeBatch`), fetches, and `supply`s,
 * so one engine serves both `pin()` and `pinSync()`. Identity follows the stored content and
 * concrete class: a tagged blob yields one object whatever declared type reached it, an untagged
 * one one object per declared class; per run, and per storage while the object lives (the arc cache).
 *
 * Its bookkeeping is parallel arrays, not objects: what the run knows of a key sits at the key's
 * index in the `k*` arrays, a holder slot waiting for a key at one index of the `f*` arrays, so a
 * child reference costs a few array slots and nothing to collect. The arrays are filled up to
 * counters and kept by the finished run, which the next page-in takes back (`PageInRun.take`):
 * a small lazy pin then allocates nothing of its own (no run, map, set, decoder or list).
 */
export class PageInRun implements DecodeContext {
  private readonly decoder = new BlobDecoder(this);

  // ---- per key, by index (see `at`), nKeys of them ---------------------------------------------
  // A key's bytes are in `table` (index 0: the root's); its string is made only where one is needed.
  // The numeric lists are typed arrays grown by doubling and kept (see KEPT in v8-workarounds.ts).
  /** The first class id each key was wanted as, and its value under it (QUEUED until decoded). */
  private kId = new Int32Array(MIN);
  private kVal: unknown[] = [];
  /** The object restored from the key when its class is tagged (its identity: see TAGGED). */
  private kTagged: unknown[] = [];
  /** The declared root and class id of the fetch in flight for the key (its first view), if any. */
  private kRoot: Array<RootSchema | undefined> = [];
  private kWantId = new Int32Array(MIN);
  private nKeys = 0;
  /** The keys' bytes, for finding a child key without making its string, numbered as the run met them. */
  private readonly table = new PageInKeys();
  private readonly scratch = new Uint8Array(16);
  /** Values under other class ids (the same untagged blob read through several classes), by key index. */
  private more: Map<number, Map<number, unknown>> | undefined = undefined;
  /** Further declared roots a key is wanted as while its fetch is in flight, by key index. */
  private moreViews: Map<number, Array<[RootSchema, number]>> | undefined = undefined;

  // ---- holder slots to link at the end, nFix of them ------------------------------------------
  private fHolder: Array<Record<string | number, unknown> | undefined> = [];
  private fSlot: Array<string | number> = [];
  private fId = new Int32Array(MIN);
  private fKey = new Int32Array(MIN);
  private nFix = 0;

  /** Restored instances with an after-page-in hook, and their classes, in decode order. */
  private hookObj: Array<object | undefined> = [];
  private hookMeta: Array<ClassMeta | undefined> = [];
  private nHooks = 0;
  /** [start, end) of each blob's hooks, in decode order. */
  private hookRanges: number[] = [];

  /**
   * Blobs to fetch, [qHead, qTail): a key index (a value to decode), or `~i` for schema blob
   * `schemaKeys[i]`; a FIFO, so blobs are fetched a level at a time.
   */
  private queue = new Int32Array(MIN);
  private qHead = 0;
  private qTail = 0;
  /** Schema blobs this run asked for (a blob missing from the set after they came: a damaged set). */
  private schemaKeys: DataKey[] = [];
  private schemaGot: Set<DataKey> | undefined = undefined;
  /** Fetched blobs waiting for their schema set, by the set's key. */
  private parked: Map<DataKey, Array<[number, PagableData]>> | undefined = undefined;
  private root = 0;
  private rootClass = 0;

  /** On a storage with `freeze: true`: re-save without re-work (frozen-load.ts). */
  private frozen: FrozenLoad | undefined = undefined;

  private constructor(
    private host: ArcHost,
    private cache: ArcCache,
  ) {}

  /** A run paging in `key` as `root`: the last finished one, reset, when no other page-in holds it. */
  static take(host: ArcHost, cache: ArcCache, key: DataKey, root: RootSchema): PageInRun {
    const run = PageInRun.#kept(host, cache);
    run.start(run.bytesOf(key), root);
    return run;
  }

  /** `take` for the key of compact id `id` (key-id.ts), as a pinned arc holds it: no hex string made. */
  static takeId(host: ArcHost, cache: ArcCache, id: string, root: RootSchema): PageInRun {
    const run = PageInRun.#kept(host, cache);
    writeIdBytes(id, run.scratch);
    run.start(run.scratch, root);
    return run;
  }

  static #kept(host: ArcHost, cache: ArcCache): PageInRun {
    const kept = WARM.pageIn;
    const run = kept instanceof PageInRun ? kept : new PageInRun(host, cache);
    WARM.pageIn = undefined;
    run.host = host;
    run.cache = cache;
    return run;
  }

  /** Starts with the root blob, whose key is `key[0, 16)`. */
  private start(key: Uint8Array, root: RootSchema): void {
    this.frozen = this.host.frozenKeys === undefined ? undefined : new FrozenLoad(this.host.frozenKeys);
    this.rootClass = classId(root);
    this.root = this.child(key, 0, root, this.rootClass);
  }

  /** The bytes holding key `k` at [16 k, 16 k + 16) (replaced as keys are added: read it again after). */
  get keyArena(): Uint8Array {
    return this.table.arena;
  }

  /** The DataKey of key index `k` (made on each call: for messages and stores without byte reads). */
  private keyAt(k: number): DataKey {
    return keyFromBytes(this.table.arena, 16 * k);
  }

  /** `key` as bytes, in a scratch buffer; CORRUPT when it is not a key (a store handing out garbage). */
  private bytesOf(key: DataKey): Uint8Array {
    if (!writeKeyBytes(key, this.scratch))
      throw new PagableError('CORRUPT', `${this.decoder.where}: child key ${JSON.stringify(String(key).slice(0, 40))} is not a key`);
    return this.scratch;
  }

  /** The index of `key`, or -1 when the run has not met it. */
  private at(key: DataKey): number {
    const k = this.table.find(this.bytesOf(key), 0);
    return k < 0 ? -1 : k;
  }

  /**
   * Key `src[at, at + 16)` met as `root` (class id `id`): its index, its value under `id` taken
   * from an earlier page-in where one is alive, or its fetch queued.
   */
  private child(src: Uint8Array, at: number, root: RootSchema, id: number): number {
    let k = this.table.find(src, at);
    if (k < 0) {
      const v = this.live(-1, src, at, root, id);
      k = this.add(this.table.add(~k, src, at), id, v ?? QUEUED);
      if (v === undefined) this.want(k, root, id);
    } else if (this.get(k, id) === undefined) {
      const v = this.live(k, this.table.arena, 16 * k, root, id);
      if (v !== undefined) this.set(k, id, v);
      else this.want(k, root, id);
    }
    return k;
  }

  /** Key `k`'s entries, with `v` as its value under `id`. */
  private add(k: number, id: number, v: unknown): number {
    this.nKeys = k + 1;
    if (k === this.kId.length) [this.kId, this.kWantId] = [grown(this.kId, 2 * k), grown(this.kWantId, 2 * k)];
    this.kId[k] = id;
    this.kVal[k] = v;
    this.kTagged[k] = undefined;
    this.kRoot[k] = undefined;
    this.kWantId[k] = 0;
    return k;
  }

  /** The value of key `k` under class id `id` (undefined: none yet). */
  private get(k: number, id: number): unknown {
    return id === this.kId[k] ? this.kVal[k] : this.more?.get(k)?.get(id);
  }

  private set(k: number, id: number, v: unknown): void {
    if (id === this.kId[k]) {
      this.kVal[k] = v;
      return;
    }
    const more = (this.more ??= new Map());
    let m = more.get(k);
    if (m === undefined) more.set(k, (m = new Map()));
    m.set(id, v);
  }

  /** An object restored from key `k` (bytes `src[at, at + 16)`) earlier that may stand where `root` is declared, if alive. */
  private live(k: number, src: Uint8Array, at: number, root: RootSchema, id: number): unknown {
    const t = k < 0 ? undefined : this.kTagged[k];
    if (t !== undefined && fits(t, root)) return t;
    const v = this.cache.find(src, at, TAGGED, fits, root, id);
    // The plain-data slot holds what the blob was last loaded as: a built-in type it is not is read again (and refused).
    return v === undefined || id !== 0 || fits(v, root) ? v : undefined;
  }

  /** Asks for key `k` as `root`: one fetch per key, the other views wait for it. */
  private want(k: number, root: RootSchema, id: number): void {
    this.set(k, id, QUEUED);
    if (this.kRoot[k] === undefined) {
      this.kRoot[k] = root;
      this.kWantId[k] = id;
      this.enqueue(k);
    } else {
      const views = (this.moreViews ??= new Map());
      const list = views.get(k);
      if (list === undefined) views.set(k, [[root, id]]);
      else list.push([root, id]);
    }
  }

  /** True while blobs wait to be fetched. */
  get pending(): boolean {
    return this.qHead < this.qTail;
  }

  /** True while no fetched blob waits for its schema: the run holds no blob's bytes, so it may pause. */
  get holdsNoBlob(): boolean {
    return this.parked === undefined || this.parked.size === 0;
  }

  private enqueue(e: number): void {
    if (this.qTail === this.queue.length) this.queue = grown(this.queue, 2 * this.qTail);
    this.queue[this.qTail++] = e;
  }

  /** The next queue entry to fetch and `supply` (call while `pending`). */
  next(): number {
    return this.queue[this.qHead++]!;
  }

  /** Every queue entry waiting now (a level of the graph), for a driver that fetches in batches. */
  takeBatch(): number[] {
    const batch = Array.from(this.queue.subarray(this.qHead, this.qTail));
    this.qHead = this.qTail;
    return batch;
  }

  /** The key of queue entry `e`. */
  keyOf(e: number): DataKey {
    return e >= 0 ? this.keyAt(e) : this.schemaKeys[~e]!;
  }

  /** NOT_FOUND for queue entry `e`, naming the class it was wanted as. */
  notFound(e: number): PagableError {
    return notFound(this.keyOf(e), e >= 0 ? this.kRoot[e] : undefined);
  }

  /** Asks for the schema blobs set `sk` still lacks; true when it is complete. */
  private wantSchema(sk: DataKey, by: DataKey): boolean {
    let missing: DataKey[];
    try {
      missing = missingSchemaBlobs(sk);
    } catch (e) {
      throw e instanceof PagableError ? new PagableError(e.code, `blob ${by}: ${e.message}`, { cause: e }) : e;
    }
    for (const k of missing) {
      if (this.schemaGot?.has(k) === true)
        throw new PagableError('CORRUPT', `blob ${by}: schema blob ${k} does not complete schema set ${sk}`);
      if (this.schemaKeys.includes(k)) continue;
      this.enqueue(~this.schemaKeys.length);
      this.schemaKeys.push(k);
    }
    return missing.length === 0;
  }

  /** Decodes the fetched blob of queue entry `e` (which may queue more). */
  supply(e: number, blob: PagableData): void {
    if (e < 0) return this.supplySchema(this.schemaKeys[~e]!, blob);
    // Schema sets are normally cached for the process; a miss is a few more blobs to fetch.
    const sk = missingSchemaSet(blob);
    if (sk !== undefined) return this.park(sk, e, blob);
    const root = this.kRoot[e]!;
    const id = this.kWantId[e]!;
    this.kRoot[e] = undefined;
    const views = this.moreViews?.get(e);
    if (views !== undefined) this.moreViews!.delete(e);
    this.supplyView(e, root, id, blob);
    if (views !== undefined) for (const [r, i] of views) this.supplyView(e, r, i, blob);
  }

  private supplySchema(key: DataKey, blob: PagableData): void {
    const parked = this.parked;
    const by = parked?.values().next().value?.[0]?.[0];
    (this.schemaGot ??= new Set()).add(key);
    try {
      addSchemaBlob(key, blob);
    } catch (e) {
      const name = by === undefined ? key : this.keyAt(by);
      throw e instanceof PagableError ? new PagableError(e.code, `blob ${name}: ${e.message}`, { cause: e }) : e;
    }
    if (parked === undefined) return;
    for (const [sk, waiting] of [...parked]) {
      if (!this.wantSchema(sk, this.keyAt(waiting[0]![0]))) continue;
      parked.delete(sk);
      for (const [pe, pb] of waiting) this.supply(pe, pb);
    }
  }

  /** Keeps fetched blob `e` until the schema blobs its set `sk` lacks have come. */
  private park(sk: DataKey, e: number, blob: PagableData): void {
    const parked = (this.parked ??= new Map());
    const waiting = parked.get(sk);
    if (waiting !== undefined) waiting.push([e, blob]);
    else if (!this.wantSchema(sk, this.keyAt(e))) parked.set(sk, [[e, blob]]);
    else this.supply(e, blob);
  }

  /** Restores `blob` (key `k`) as declared by `root`: one object per tagged blob, one per (class, key) otherwise. */
  private supplyView(k: number, root: RootSchema, id: number, blob: PagableData): void {
    // Another view in this run, or another page-in while this one was fetching, may have restored
    // it already: share its object (a tagged blob's under its key alone, if it can stand here).
    let value = this.live(k, this.table.arena, 16 * k, root, id);
    if (value === undefined) {
      const start = this.nHooks;
      value = this.decoder.decode(blob, root, undefined, this.table.arena, 16 * k);
      if (this.nHooks > start) this.hookRanges.push(start, this.nHooks);
      if (typeof value === 'object' && value !== null) {
        this.cache.set(isTagged(value) ? TAGGED : id, this.table.arena, 16 * k, value);
        noteRestored(dataLengthOf(blob));
        this.frozen?.decoded(this.keyAt(k), value, blob.arcs, this.decoder.exact);
      }
    }
    if (this.kTagged[k] === undefined && isTagged(value)) this.kTagged[k] = value;
    this.set(k, id, value);
  }

  /** Links shared children into their holders, runs after-page-in hooks (children first). */
  finish(): unknown {
    if (this.parked !== undefined && this.parked.size > 0)
      throw new PagableError('IO', `page-in: blobs still wait for schema set ${[...this.parked.keys()][0]} (internal error)`);
    const { fHolder, fSlot, fId, fKey } = this;
    for (let i = 0; i < this.nFix; i++) fHolder[i]![fSlot[i]!] = this.get(fKey[i]!, fId[i]!);
    // Blobs decode parents first, so later blobs are children: run them first. Within a blob the
    // decoder already recorded instances innermost first.
    const { hookObj, hookMeta, hookRanges } = this;
    for (let r = hookRanges.length - 2; r >= 0; r -= 2) {
      for (let i = hookRanges[r]!; i < hookRanges[r + 1]!; i++) hookMeta[i]!.restored!(hookObj[i]!);
    }
    this.frozen?.finish((key) => {
      const k = this.at(key);
      return k < 0 ? undefined : (this.kTagged[k] ?? this.kVal[k]);
    });
    const value = this.get(this.root, this.rootClass);
    this.release();
    WARM.pageIn = this;
    return value;
  }

  /**
   * Lets go of everything this run reached (values, blobs, the storage), so that this run, kept
   * in WARM, keeps its own shapes alive and nothing else (see v8-workarounds.ts), and the next
   * page-in can take it back. Lists keep their capacity (emptied slot by slot) while a page-in
   * uses a quarter of it (keepRoom); maps and sets are dropped (a cleared one allocates a fresh table anyway).
   */
  private release(): void {
    // Typed lists keep their room for a page-in of the same size, off the JS heap (measure 3).
    if (!keepRoom(this.kId.length, this.nKeys)) [this.kId, this.kWantId] = [new Int32Array(MIN), new Int32Array(MIN)];
    if (!keepRoom(this.fId.length, this.nFix)) [this.fId, this.fKey] = [new Int32Array(MIN), new Int32Array(MIN)];
    if (!keepRoom(this.queue.length, this.qTail)) this.queue = new Int32Array(MIN);
    // The object lists too, emptied slot by slot (emptied to length 0, a list's backing store goes):
    // kept, they are 8 B of JS heap per slot until a page-in of under a quarter of their size, and
    // regrowing them from empty was 9% of the CPU time of the tinyShared load (12 pairs, 0.76-0.96).
    if (keepRoom(this.kVal.length, this.nKeys))
      for (let i = 0; i < this.nKeys; i++) this.kVal[i] = this.kTagged[i] = this.kRoot[i] = undefined;
    else this.kVal.length = this.kTagged.length = this.kRoot.length = 0;
    if (keepRoom(this.fHolder.length, this.nFix)) for (let i = 0; i < this.nFix; i++) this.fHolder[i] = undefined;
    else this.fHolder.length = this.fSlot.length = 0;
    if (keepRoom(this.hookObj.length, this.nHooks)) for (let i = 0; i < this.nHooks; i++) this.hookObj[i] = this.hookMeta[i] = undefined;
    else this.hookObj.length = this.hookMeta.length = 0;
    this.nKeys = this.nFix = this.nHooks = this.qHead = this.qTail = 0;
    this.hookRanges.length = this.schemaKeys.length = 0;
    this.more = this.moreViews = undefined;
    this.table.reset(KEEP);
    this.schemaGot = undefined;
    this.parked = undefined;
    this.frozen = undefined;
    this.decoder.release();
    // Never used again: the storage (and its store's memory) must not stay reachable from here.
    this.host = RELEASED as ArcHost;
    this.cache = RELEASED as ArcCache;
  }

  shared(key: DataKey, root: RootSchema, holder: object, slot: string | number): unknown {
    return this.sharedAt(this.bytesOf(key), 0, root, holder, slot);
  }

  sharedAt(bytes: Uint8Array, at: number, root: RootSchema, holder: object, slot: string | number): unknown {
    const id = classId(root);
    const k = this.child(bytes, at, root, id);
    const v = this.get(k, id);
    if (v !== QUEUED) return v;
    const f = this.nFix++;
    if (f === this.fId.length) [this.fId, this.fKey] = [grown(this.fId, 2 * f), grown(this.fKey, 2 * f)];
    this.fHolder[f] = holder as Record<string | number, unknown>;
    this.fSlot[f] = slot;
    this.fId[f] = id;
    this.fKey[f] = k;
    return undefined;
  }

  lazy(key: DataKey, root: RootSchema): unknown {
    this.frozen?.lazy(key);
    // A handle holding the key and the kind only: it meets the arc's inner, if alive, when used.
    return pagedOutArc(this.host.kindFor(root), key);
  }

  lazyAt(bytes: Uint8Array, at: number, root: RootSchema): unknown {
    this.frozen?.lazy(keyFromBytes(bytes, at));
    return pagedOutArcOfId(this.host.kindFor(root), keyIdAt(bytes, at));
  }

  restored(obj: object, meta: ClassMeta): void {
    const h = this.nHooks++;
    this.hookObj[h] = obj;
    this.hookMeta[h] = meta;
  }
}

/** A typed list's first room. */
const MIN = 256;
/** The key table of a finished run is kept up to this many keys (emptying it clears every slot, so a large one would slow each small pin). */
const KEEP = 4096;
