import type { ArcHost } from '../arc/arc-host.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { keyIdAt } from '../arc/key-id.js';
import { innerOf, innerOfPin, isPagableArc, isPinnedPagableArc } from '../arc/handles.js';
import { BlobEncoder, type ChildRef, type EncodeContext, via } from '../codec/encoder.js';
import { MsgpackWriter } from '../codec/msgpack-writer.js';
import type { SchemaSet } from '../codec/schema-set.js';
import { PagableError } from '../error.js';
import { BlobBatch, FRAME_HEAD, frameKey, grown, writeFrameHead } from '../keys/blob-batch.js';
import { type DataKey, keyFromBytes, writeKeyBytes } from '../keys/data.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import type { RootSchema } from '../metadata/schema.js';
import { checkArcLayout, checkStoredAgain } from './arc-layout.js';
import { FrozenReuse } from './frozen-reuse.js';
import { SchemaPuts } from './schema-frames.js';
import { KEPT, RELEASED, keepRoom } from './v8-workarounds.js';

/**
 * What the earlier batches of one page-out stored, held weakly (a batch lets go of its values):
 * the keys of the objects stored as blobs of their own, and the values that could not be encoded,
 * so a later batch neither encodes an object again nor reports a failure twice.
 */
export interface EarlierBatches {
  readonly keys: WeakMap<object, DataKey>;
  readonly failed: WeakMap<object, PagableError>;
}

/**
 * How the encoder tells arcs: a @Lazy field stores the shared inner of a PagableArc or of a live
 * PinnedPagableArc (a pin saves as its arc, as the Rust crate serializes both through
 * `serialize_arc`); a released pin holds no arc.
 */
const ARCS: EncodeContext = {
  arcTarget: (v) => (isPagableArc(v) ? innerOf(v) : isPinnedPagableArc(v) ? innerOfPin(v) : undefined),
  isPin: isPinnedPagableArc,
};

/** Fresh slabs of a run's writer: a batch of small blobs fills few of them. */
const SLAB = 64 * 1024;

/** The last stamp a run took (see `ArcInner.walkStamp`): each reset takes a new one, so no stale mark matches. */
let lastStamp = 0;

/**
 * The page-out engine: an iterative post-order walk over blobs (children before parents, as
 * content keys require), so a graph a million arcs deep needs no stack. Identity dedup: an object
 * or arc reached along many paths is encoded once per run. Pure computation: its output is `batch`
 * (the blobs, framed, and their keys), `reused` and `copies` (keys it refers to without writing
 * them) and `keyed` (its own arcs, to be given their keys once the batch is stored).
 *
 * Nothing is made per blob: each blob is encoded into the run's writer framed for its key (the
 * child keys filled in as the children finish, then hashed where it lies), the walk's stacks are
 * parallel lists, and one identity map (an arc inner: a mark of its own) tells for each object its
 * key or that it is in progress.
 */
export class PageOutRun {
  private readonly encoder = new BlobEncoder(ARCS);
  private readonly writer = new MsgpackWriter(SLAB, true);
  /** The blobs this run wrote, framed, with their keys. */
  readonly batch = new BlobBatch();
  /** Keys of this storage reused without re-encoding (arcs stored before): gc must treat them as live. */
  readonly reused: DataKey[] = [];
  /** Blobs of other storages to copy here with their descendants. */
  readonly copies: Array<[ArcHost, DataKey]> = [];
  /** Own arcs given keys by this run (their key's index in `keys`, their layout), applied once the writes are durable. */
  readonly keyedArcs: ArcInner[] = [];
  readonly keyedAt: number[] = [];
  readonly keyedRoots: RootSchema[] = [];

  /**
   * object -> its key's index in `keys` (an arc inner carries its own: `known`). A blob in
   * progress has its index already (its key is written there when it finishes; `open` tells): one
   * insert per blob, where an in-progress mark replaced by the key later took a lookup and an
   * update more, and the map's lookups are most of a tiny-blob save's walk (bench/PROFILE.md,
   * "the identity map").
   */
  private readonly ids = new Map<object, number>();
  /** This run's stamp: an arc inner whose `walkStamp` equals it is known, at index `walkKey` (arcs are not in `ids`). */
  private stamp = 0;
  /** Every key this run knows, 16 bytes each. */
  private keys = new Uint8Array(16 * MIN);
  /** 1 at a key's index while its blob is in progress (encoded, children not all keyed yet). */
  private open = new Uint8Array(MIN);
  private nKeys = 0;
  /** Values that could not be encoded in this run, with their error, so it is thrown once per value. */
  private readonly failedWith = new Map<object, PagableError>();
  private readonly schemas = new SchemaPuts();
  /** On a storage with `freeze: true`: re-save without re-work (frozen-reuse.ts). */
  private frozen: FrozenReuse | undefined;
  /** The objects a frozen value's walk does not enter: blobs of their own, and arc handles. */
  private readonly otherBlob = (o: object): boolean =>
    this.ids.has(o) || ARCS.arcTarget(o) !== undefined || ARCS.isPin(o) || this.frozen!.keys.keyOf(o) !== undefined;

  /*
   * The work stack: references to visit (what holds them: record `tParent`, child slot `tSlot`),
   * and, with tSlot -1, "finish record tParent". Records are the blobs encoded and not finished
   * yet, a stack too (a blob finishes after all of its children, which were encoded after it).
   */
  private readonly tTarget: object[] = [];
  private readonly tRoot: RootSchema[] = [];
  private readonly tOwner: Array<ClassMeta | undefined> = [];
  private readonly tField: string[] = [];
  // The numeric lists are typed arrays grown by doubling and kept (see KEPT in v8-workarounds.ts).
  private tArc = new Uint8Array(MIN);
  private tParent = new Int32Array(MIN);
  private tSlot = new Int32Array(MIN);
  private nTasks = 0;
  private readonly rTarget: object[] = [];
  private readonly rSlab: Uint8Array[] = [];
  private readonly rWords: Int32Array[] = [];
  private readonly rSchema: SchemaSet[] = [];
  private rAt = new Int32Array(MIN);
  private rLength = new Int32Array(MIN);
  private rChildren = new Int32Array(MIN);
  /** The record's own reference (a finish task now, which keeps the reference's fields), and its holder's record and slot. */
  private rTask = new Int32Array(MIN);
  private rParent = new Int32Array(MIN);
  private rSlot = new Int32Array(MIN);
  /** The record's key index (its blob's key is written there when it finishes). */
  private rKey = new Int32Array(MIN);
  private nRecords = 0;

  constructor(
    private host: ArcHost,
    /** The batches of this page-out before this one, if any. */
    private earlier?: EarlierBatches,
  ) {
    this.reset(host, earlier);
  }

  /** Makes a released run ready for another page-out (runs are reused: page-out-reuse.ts). */
  reset(host: ArcHost, earlier: EarlierBatches | undefined): void {
    this.host = host;
    this.earlier = earlier;
    this.stamp = ++lastStamp;
    const fk = host.frozenKeys;
    this.frozen = fk === undefined ? undefined : new FrozenReuse(fk);
  }

  /**
   * Stores `ref` and everything below it; returns its key's index (`keyAt`: a page-out of queued
   * arcs needs no key string per arc). On error, what was finished stays finished (its blobs are
   * in the batch and its arcs get their keys); only the unfinished path is abandoned.
   */
  run(ref: ChildRef): number {
    this.push(ref.target, ref.isArc, ref.root, ref.owner, ref.field, -1, 0);
    try {
      this.drain();
    } catch (e) {
      for (let r = 0; r < this.nRecords; r++) this.forget(this.rTarget[r]!, this.tArc[this.rTask[r]!] === 1);
      this.nRecords = 0;
      this.nTasks = 0;
      throw e;
    }
    return this.known(ref.target, ref.isArc)!;
  }

  /** The key at index `k` (as `run` returns it). */
  keyAt(k: number): DataKey {
    return keyFromBytes(this.keys, 16 * k);
  }

  /** The key index of `id` if this run knows it (an arc by its mark, an object by the identity map). */
  private known(id: object, isArc: boolean): number | undefined {
    if (!isArc) return this.ids.get(id);
    const inner = id as ArcInner;
    return inner.walkStamp === this.stamp ? inner.walkKey : undefined;
  }

  /** Records key index `k` as `id`'s. */
  private know(id: object, isArc: boolean, k: number): void {
    if (!isArc) {
      this.ids.set(id, k);
      return;
    }
    const inner = id as ArcInner;
    inner.walkStamp = this.stamp;
    inner.walkKey = k;
  }

  private forget(id: object, isArc: boolean): void {
    if (!isArc) this.ids.delete(id);
    else if ((id as ArcInner).walkStamp === this.stamp) (id as ArcInner).walkStamp = 0;
  }

  private push(
    target: object,
    isArc: boolean,
    root: RootSchema,
    owner: ClassMeta | undefined,
    field: string,
    parent: number,
    slot: number,
  ): void {
    const t = this.nTasks++;
    if (t === this.tParent.length) this.growTasks(2 * t);
    this.tTarget[t] = target;
    this.tArc[t] = isArc ? 1 : 0;
    this.tRoot[t] = root;
    this.tOwner[t] = owner;
    this.tField[t] = field;
    this.tParent[t] = parent;
    this.tSlot[t] = slot;
  }

  /**
   * Runs the stack to completion. Nothing follows the loop: V8 (Node 20) caches the on-stack
   * compilation of a long first loop and enters it on later calls, and code after the loop that
   * had not run when it was compiled then deoptimized each later save (see v8-workarounds.ts).
   */
  private drain(): void {
    while (this.nTasks > 0) {
      const t = --this.nTasks;
      if (this.tSlot[t] === -1) this.finish();
      else this.visit(t);
    }
  }

  /** A reference to a blob: done already, reused, copied, or encoded now (its children pushed). */
  private visit(t: number): void {
    const id = this.tTarget[t]!;
    const parent = this.tParent[t]!;
    const isArc = this.tArc[t] === 1;
    const known = this.known(id, isArc);
    if (known !== undefined) {
      if (this.open[known] === 1) throw this.cycle(t);
      this.again(t);
      return this.give(known, parent, this.tSlot[t]!);
    }
    const frozen = this.frozen !== undefined && !isArc ? this.frozen.keys.keyOf(id) : undefined;
    if (frozen !== undefined) this.again(t);
    const stored = frozen ?? (this.earlier !== undefined && !isArc ? this.earlier.keys.get(id) : undefined);
    if (stored !== undefined) {
      this.reused.push(stored);
      return this.give(this.learn(id, false, stored, frozen !== undefined), parent, this.tSlot[t]!);
    }
    let value: unknown = id;
    const root = this.tRoot[t]!;
    if (isArc) {
      const inner = id as ArcInner;
      if (inner.key !== undefined) {
        checkArcLayout(inner, root, this.tOwner[t], this.tField[t]!, this.encoder);
        if (inner.host === this.host) this.reused.push(inner.key);
        else this.copies.push([inner.host, inner.key]);
        return this.give(this.learn(id, true, inner.key, true), parent, this.tSlot[t]!);
      }
      if (!inner.resident) throw new PagableError('IO', `${via(this.tOwner[t], this.tField[t]!)}: arc has neither a value nor a key`);
      value = inner.value;
    }
    const schema = this.encodeOnce(id, value, root, this.tOwner[t], this.tField[t]!);
    const w = this.writer;
    const r = this.nRecords++;
    if (r === this.rAt.length) this.growRecords(2 * r);
    this.rTarget[r] = id;
    this.rSlab[r] = w.slabBytes;
    this.rWords[r] = w.slabWords;
    this.rAt[r] = w.frame;
    const c = this.encoder.children;
    const n = c.count;
    this.rLength[r] = w.offset - 16 * (n + 1) - w.valueStart;
    this.rChildren[r] = n;
    this.rSchema[r] = schema;
    this.rTask[r] = t;
    this.rParent[r] = parent;
    this.rSlot[r] = this.tSlot[t]!;
    this.frozen?.opened(r);
    const k = this.newKey();
    this.open[k] = 1;
    this.rKey[r] = k;
    this.know(id, isArc, k);
    // The task stays where it is, as "finish record r", under its children's.
    this.nTasks++;
    this.tSlot[t] = -1;
    this.tParent[t] = r;
    for (let i = n - 1; i >= 0; i--) this.push(c.targets[i]!, c.arcs[i]!, c.roots[i]!, c.owners[i], c.fields[i]!, r, i);
  }

  /** The top record's children all have keys: its key, its blob into the batch. */
  private finish(): void {
    const r = --this.nRecords;
    const slab = this.rSlab[r]!;
    const at = this.rAt[r]!;
    const len = this.rLength[r]!;
    const n = this.rChildren[r]!;
    const sf = this.schemas.put(this.batch, this.rSchema[r]!);
    // The schema set is a child like any other (gc, verify and copies follow it), always last.
    const tail = at + FRAME_HEAD + len + 16 * n;
    for (let b = 0; b < 16; b++) slab[tail + b] = sf.keys[b]!;
    writeFrameHead(slab, at, n + 1);
    const k = this.rKey[r]!;
    this.open[k] = 0;
    frameKey(slab, at, len, n + 1, this.keys, 16 * k, this.rWords[r]);
    this.batch.add(slab, at, len, n + 1, this.keys, 16 * k);
    const id = this.rTarget[r]!;
    this.rTarget[r] = RELEASED;
    this.rSlab[r] = EMPTY;
    const t = this.rTask[r]!;
    const isArc = this.tArc[t] === 1;
    this.frozen?.finished(r, k, isArc ? undefined : id, this.otherBlob);
    if (isArc && (id as ArcInner).host === this.host) {
      this.keyedArcs.push(id as ArcInner);
      this.keyedAt.push(k);
      this.keyedRoots.push(this.tRoot[t]!);
    }
    this.tTarget[t] = RELEASED;
    const p = this.rParent[r]!;
    if (p >= 0) this.give(k, p, this.rSlot[r]!);
  }

  /** Writes key `k` into child slot `slot` of record `r` (nothing for the top reference, r < 0). */
  private give(k: number, r: number, slot: number): void {
    if (r < 0) return;
    const slab = this.rSlab[r]!;
    const to = this.rAt[r]! + FRAME_HEAD + this.rLength[r]! + 16 * slot;
    const keys = this.keys;
    const from = 16 * k;
    for (let b = 0; b < 16; b++) slab[to + b] = keys[from + b]!;
    this.frozen?.gave(k, r);
  }

  /** Room for one more key; its index. */
  private newKey(): number {
    if (16 * (this.nKeys + 1) > this.keys.length) {
      this.keys = grown(this.keys, this.keys.length * 2);
      this.open = grown(this.open, this.open.length * 2);
    }
    this.open[this.nKeys] = 0;
    return this.nKeys++;
  }

  private growTasks(capacity: number): void {
    [this.tArc, this.tParent, this.tSlot] = [grown(this.tArc, capacity), grown(this.tParent, capacity), grown(this.tSlot, capacity)];
  }

  private growRecords(capacity: number): void {
    this.rAt = grown(this.rAt, capacity);
    this.rLength = grown(this.rLength, capacity);
    this.rChildren = grown(this.rChildren, capacity);
    this.rTask = grown(this.rTask, capacity);
    this.rParent = grown(this.rParent, capacity);
    this.rSlot = grown(this.rSlot, capacity);
    this.rKey = grown(this.rKey, capacity);
  }

  /** Records `key` (stored already, naming `immutable` content or not) as `id`'s; its index. */
  private learn(id: object, isArc: boolean, key: DataKey, immutable: boolean): number {
    const k = this.newKey();
    writeKeyBytes(key, this.keys, 16 * k);
    this.know(id, isArc, k);
    this.frozen?.known(k, immutable);
    return k;
  }

  private encodeOnce(id: object, value: unknown, root: RootSchema, owner: ClassMeta | undefined, field: string): SchemaSet {
    const before = this.failedWith.get(id);
    if (before !== undefined) throw before;
    try {
      return this.encoder.encodeFramed(value, root, owner, field, this.writer, FRAME_HEAD);
    } catch (e) {
      if (e instanceof PagableError) {
        // The same value failed in an earlier batch: the same error, so it is reported once.
        const earlier = this.earlier?.failed.get(id) ?? e;
        this.failedWith.set(id, earlier);
        throw earlier;
      }
      throw e;
    }
  }

  /** Task `t` reaches a value stored already (by this run, or before it): it must read back as `t` declares it too. */
  private again(t: number): void {
    checkStoredAgain(this.tTarget[t]!, this.tArc[t] === 1, this.tRoot[t]!, this.tOwner[t], this.tField[t]!, this.encoder);
  }

  /** The key of own arc `i` of `keyedArcs`, in compact form (key-id.ts: no hex string made). */
  keyedId(i: number): string {
    return keyIdAt(this.keys, 16 * this.keyedAt[i]!);
  }

  /** Once the batch is stored: records its frozen objects' keys for later re-saves (frozen-reuse.ts). */
  recordFrozen(): void {
    this.frozen?.commit((k) => keyFromBytes(this.keys, 16 * k));
  }

  /** A key this run reused is gone (another handle's gc): the storage's frozen keys may name others. */
  forgetFrozen(): void {
    this.frozen?.keys.forget();
  }

  /** Hands what this committed batch stored to the next batches of the page-out (arcs carry their keys). */
  handOver(earlier: EarlierBatches): void {
    // Arcs are not in `ids` (they carry their keys once committed).
    for (const [obj, k] of this.ids) if (this.open[k] === 0) earlier.keys.set(obj, keyFromBytes(this.keys, 16 * k));
    for (const [obj, err] of this.failedWith) earlier.failed.set(obj, err);
  }

  /**
   * Lets go of everything this run reached (values, arcs, blobs, the storage) once its writes are
   * committed; the run can then be reset for another page-out, its lists and slabs reused.
   */
  release(): void {
    this.ids.clear();
    this.failedWith.clear();
    this.schemas.clear();
    this.frozen = undefined;
    // Typed lists keep their room for a page-out of the same size (see KEPT in v8-workarounds.ts).
    if (!keepRoom(this.keys.length >> 4, this.nKeys)) [this.keys, this.open] = [new Uint8Array(16 * MIN), new Uint8Array(MIN)];
    this.nKeys = 0;
    // Every slot ever used, not only those in use: a task popped for a value met again keeps it.
    trim(this.tTarget, RELEASED);
    trim(this.tOwner, undefined);
    trim(this.rTarget, RELEASED);
    trim(this.rSlab, EMPTY);
    trim(this.rWords, EMPTY_WORDS);
    for (const a of [this.tRoot, this.tField, this.rSchema]) if (a.length > KEEP) a.length = 0;
    if (this.tParent.length > KEPT) this.growTasks(MIN);
    if (this.rAt.length > KEPT) this.growRecords(MIN);
    this.nTasks = this.nRecords = 0;
    this.batch.clear(keepRoom(this.batch.at.length, this.batch.count) ? Infinity : 0);
    this.writer.recycle();
    this.reused.length = this.copies.length = this.keyedArcs.length = this.keyedAt.length = this.keyedRoots.length = 0;
    this.encoder.release();
    this.host = RELEASED as ArcHost;
    this.earlier = undefined;
  }

  private cycle(t: number): PagableError {
    const target = this.tTarget[t];
    const path = [via(this.tOwner[t], this.tField[t]!)];
    for (let r = this.tParent[t]!; r >= 0 && path.length < 20; r = this.rParent[r]!) {
      const rt = this.rTask[r]!;
      path.unshift(via(this.tOwner[rt], this.tField[rt]!));
      if (this.rParent[r]! >= 0 && this.rTarget[this.rParent[r]!] === target) break;
    }
    return new PagableError(
      'CYCLE',
      `a cycle through arc fields cannot be stored (blobs are named by their content): ${path.join(' -> ')} leads back to an object already being stored`,
    );
  }
}

const [EMPTY, EMPTY_WORDS] = [new Uint8Array(0), new Int32Array(0)];
/** A typed list's first room. */
const MIN = 256;
/** Slots of its lists a released run keeps for the next page-out; past this they are dropped (a long list would hold heap per blob of the last page-out). */
const KEEP = 1024;

/** Empties the slots of `list` (all of them: stale ones too), dropping them past KEEP. */
function trim<T>(list: T[], empty: T): void {
  if (list.length > KEEP) list.length = 0;
  else list.fill(empty);
}
