import type { ArcHost } from '../arc/arc-host.js';
import type { ArcCache } from '../arc/arc-cache.js';
import { pagedOutArc } from '../arc/pagable-arc.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { BlobDecoder, type DecodeContext, schemaKeyOf } from '../codec/decoder.js';
import { addSchemaBlob, cachedSchemaSet, missingSchemaBlobs } from '../codec/schema-cache.js';
import { nativeFits } from '../codec/wire-rules.js';
import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import type { Class } from '../metadata/type-spec.js';
import { rootClassId } from '../metadata/root-class-id.js';
import { ANY, type RootSchema } from '../metadata/schema.js';
import { FrozenLoad } from './frozen-load.js';
import { noteRestored } from './kept-alive.js';
import { RELEASED, WARM } from './v8-workarounds.js';

/** A blob the run still needs. */
export interface Wanted {
  readonly key: DataKey;
  readonly root: RootSchema;
  readonly classId: number;
  /** A schema set some fetched blob needs before it can be decoded (not itself a value). */
  readonly schema?: true;
}

/**
 * The cache slot of a blob whose root is an instance of a tagged class. Its key alone names it:
 * a blob has one content, so one concrete class, and the object restored from it is one object
 * whatever declared type reached it (a base-typed or concrete-typed field, load(Base) or
 * load(Concrete)), as the Rust crate keeps one allocation for its dyn and concrete views.
 */
const TAGGED = -1;

/**
 * The cache slot of an untagged blob read as `root`: bytes without a tag carry no class, so the
 * same blob read through two declared classes is two values. 0 for plain data.
 */
const classId = rootClassId;

/** True for an instance of a tagged class (its blob names its class: identity by key alone). */
function isTagged(v: unknown): boolean {
  return typeof v === 'object' && v !== null && getClassMeta((v as object).constructor as Class)?.tag !== undefined;
}

/**
 * True when `v` may stand where `root` is declared. Plain data shares one cache slot whatever
 * built-in type it was loaded as, so a value found there is checked as the decoder checks a root.
 */
function fits(v: unknown, root: RootSchema): boolean {
  if (root.k === 'class') return v instanceof root.cls;
  const native = root.k === 'any' ? root.native : root.cls;
  return native === undefined || nativeFits(v, native);
}

/**
 * What one run knows of one blob key: its value per declared class id (nearly always one, kept
 * inline; others in `more`), the object a tagged blob was restored as, and the views still
 * waiting for its fetch. One map lookup per key answers every question the run asks of it.
 */
class KeyState {
  /** The first class id the key was wanted as, and its value (QUEUED until decoded). */
  id: number;
  value: unknown;
  /** Values under other class ids (the same untagged blob read through several classes). */
  more: Map<number, unknown> | undefined = undefined;
  /** The object restored from this blob when its class is tagged (its identity: see TAGGED). */
  tagged: unknown = undefined;
  /** Every declared root the blob is wanted as until it is fetched: one fetch per key. */
  views: Wanted[] | undefined = undefined;

  constructor(id: number, value: unknown) {
    this.id = id;
    this.value = value;
  }

  get(id: number): unknown {
    return id === this.id ? this.value : this.more?.get(id);
  }

  set(id: number, v: unknown): void {
    if (id === this.id) this.value = v;
    else (this.more ??= new Map()).set(id, v);
  }
}

interface Fixup {
  readonly holder: Record<string | number, unknown>;
  readonly slot: string | number;
  readonly classId: number;
  readonly state: KeyState;
}

/** Marks a blob queued but not yet decoded. */
const QUEUED: unique symbol = Symbol('queued');

/**
 * The page-in engine: decodes a root blob and, breadth first, every `@Shared` blob below it; `@Lazy`
 * children become PagedOut arcs and are not fetched. It never fetches by itself: a driver (sync or
 * async, in the storage) takes `wanted`, fetches, and `supply`s, so one engine serves both
 * `pin()` and `pinSync()`. Identity follows the stored content and concrete class: a tagged blob
 * yields one object whatever declared type reached it, an untagged one one object per declared
 * class; per run, and per storage while the object lives (the arc cache).
 */
export class PageInRun implements DecodeContext {
  private readonly decoder = new BlobDecoder(this);
  /** What this run knows per key (values strong until the run ends). */
  private readonly keys = new Map<DataKey, KeyState>();
  private readonly fixups: Fixup[] = [];
  private readonly hooks: Array<[object, ClassMeta]> = [];
  /** [start, end) of each blob's hooks in `hooks`, in decode order. */
  private readonly hookRanges: number[] = [];
  /** Blobs to fetch next. */
  wanted: Wanted[] = [];
  /** Fetched blobs waiting for their schema set, by the set's key. */
  private readonly parked = new Map<DataKey, Array<[Wanted, PagableData]>>();
  private readonly root: KeyState;
  private readonly rootClass: number;

  /** On a storage with `freeze: true`: re-save without re-work (frozen-load.ts). */
  private readonly frozen: FrozenLoad | undefined;

  /** The first blob this run asked for, kept by `release` (see v8-workarounds.ts). */
  private firstWanted: Wanted | undefined = undefined;

  constructor(
    private host: ArcHost,
    private cache: ArcCache,
    key: DataKey,
    root: RootSchema,
  ) {
    this.rootClass = classId(root);
    this.frozen = host.frozenKeys === undefined ? undefined : new FrozenLoad(host.frozenKeys);
    const hit = this.live(undefined, key, root, this.rootClass);
    this.root = hit !== undefined ? this.state(key, this.rootClass, hit) : this.want(undefined, key, root, this.rootClass);
  }

  /** The state of `key`, created with `v` as `id`'s value, or given it. */
  private state(key: DataKey, id: number, v: unknown): KeyState {
    let st = this.keys.get(key);
    if (st === undefined) this.keys.set(key, (st = new KeyState(id, v)));
    else st.set(id, v);
    return st;
  }

  /** An object restored from `key` earlier that may stand where `root` is declared, if alive. */
  private live(st: KeyState | undefined, key: DataKey, root: RootSchema, id: number): unknown {
    const t = st?.tagged;
    if (t !== undefined && fits(t, root)) return t;
    const v = this.cache.find(key, TAGGED, fits, root, id);
    // The plain-data slot holds what the blob was last loaded as: a built-in type it is not is read again (and refused).
    return v === undefined || id !== 0 || fits(v, root) ? v : undefined;
  }

  private want(st: KeyState | undefined, key: DataKey, root: RootSchema, id: number): KeyState {
    const w: Wanted = { key, root, classId: id };
    this.firstWanted ??= w;
    if (st === undefined) this.keys.set(key, (st = new KeyState(id, QUEUED)));
    else st.set(id, QUEUED);
    if (st.views !== undefined) {
      st.views.push(w);
    } else {
      st.views = [w];
      this.wanted.push(w);
    }
    return st;
  }

  /** Schema blobs this run asked for, and those it received (still missing after that: a damaged set). */
  private readonly schemaWanted = new Set<DataKey>();
  private readonly schemaGot = new Set<DataKey>();

  /** Asks for the schema blobs set `sk` still lacks; true when it is complete. */
  private wantSchema(sk: DataKey, by: DataKey): boolean {
    let missing: DataKey[];
    try {
      missing = missingSchemaBlobs(sk);
    } catch (e) {
      throw e instanceof PagableError ? new PagableError(e.code, `blob ${by}: ${e.message}`, { cause: e }) : e;
    }
    for (const k of missing) {
      if (this.schemaGot.has(k)) throw new PagableError('CORRUPT', `blob ${by}: schema blob ${k} does not complete schema set ${sk}`);
      if (this.schemaWanted.has(k)) continue;
      this.schemaWanted.add(k);
      this.wanted.push({ key: k, root: ANY, classId: 0, schema: true });
    }
    return missing.length === 0;
  }

  /** Decodes a fetched blob (which may queue more). */
  supply(w: Wanted, blob: PagableData): void {
    if (w.schema === true) {
      const by = this.parked.values().next().value?.[0]?.[0].key ?? w.key;
      this.schemaGot.add(w.key);
      try {
        addSchemaBlob(w.key, blob);
      } catch (e) {
        throw e instanceof PagableError ? new PagableError(e.code, `blob ${by}: ${e.message}`, { cause: e }) : e;
      }
      for (const [sk, waiting] of [...this.parked]) {
        if (!this.wantSchema(sk, waiting[0]![0].key)) continue;
        this.parked.delete(sk);
        for (const [pw, pb] of waiting) this.supply(pw, pb);
      }
      return;
    }
    // Schema sets are normally cached for the process; a miss is a few more blobs to fetch.
    const sk = schemaKeyOf(blob);
    if (sk !== undefined && cachedSchemaSet(sk) === undefined) {
      const waiting = this.parked.get(sk);
      if (waiting !== undefined) waiting.push([w, blob]);
      else if (!this.wantSchema(sk, w.key)) this.parked.set(sk, [[w, blob]]);
      else return this.supply(w, blob);
      return;
    }
    const st = this.keys.get(w.key)!;
    const views = st.views ?? [w];
    st.views = undefined;
    for (const v of views) this.supplyView(st, v, blob);
  }

  /** Restores `blob` as declared by `w`: one object per tagged blob, one per (class, key) otherwise. */
  private supplyView(st: KeyState, w: Wanted, blob: PagableData): void {
    // Another view in this run, or another page-in while this one was fetching, may have restored
    // it already: share its object (a tagged blob's under its key alone, if it can stand here).
    let value = this.live(st, w.key, w.root, w.classId);
    if (value === undefined) {
      const start = this.hooks.length;
      value = this.decoder.decode(blob, w.root, w.key);
      if (this.hooks.length > start) this.hookRanges.push(start, this.hooks.length);
      if (typeof value === 'object' && value !== null) {
        this.cache.set(isTagged(value) ? TAGGED : w.classId, w.key, value);
        noteRestored(blob.data.length);
        this.frozen?.decoded(w.key, value, blob.arcs, this.decoder.exact);
      }
    }
    if (st.tagged === undefined && isTagged(value)) st.tagged = value;
    st.set(w.classId, value);
  }

  /** Links shared children into their holders, runs after-page-in hooks (children first). */
  finish(): unknown {
    if (this.parked.size > 0)
      throw new PagableError('IO', `page-in: blobs still wait for schema set ${[...this.parked.keys()][0]} (internal error)`);
    for (const f of this.fixups) f.holder[f.slot] = f.state.get(f.classId);
    // Blobs decode parents first, so later blobs are children: run them first. Within a blob the
    // decoder already recorded instances innermost first.
    for (let r = this.hookRanges.length - 2; r >= 0; r -= 2) {
      for (let i = this.hookRanges[r]!; i < this.hookRanges[r + 1]!; i++) {
        const [obj, meta] = this.hooks[i]!;
        meta.restored!(obj);
      }
    }
    this.frozen?.finish((k) => {
      const st = this.keys.get(k);
      return st?.tagged ?? st?.value;
    });
    const value = this.root.get(this.rootClass);
    this.release();
    WARM.pageIn = this;
    return value;
  }

  /**
   * Lets go of everything this run reached (values, blobs, the storage) and keeps one object of
   * each shape it made, so that this run, kept in WARM, keeps those shapes alive and nothing else.
   * Fields keep values of the kinds they held where they can: a field given another kind changes
   * the shape once more (the storage fields below do, once; the shape is stable after that).
   */
  private release(): void {
    const st = this.root;
    st.value = st.tagged = undefined;
    st.more = undefined;
    st.views = undefined;
    this.keys.clear();
    const f = this.fixups[0] as { holder: object; state: KeyState } | undefined;
    this.fixups.length = f === undefined ? 0 : 1;
    if (f !== undefined) {
      f.holder = RELEASED;
      f.state = st;
    }
    this.hooks.length = 0;
    this.hookRanges.length = 0;
    this.wanted.length = 0;
    this.parked.clear();
    this.schemaWanted.clear();
    this.schemaGot.clear();
    this.decoder.release();
    // Never used again: the storage (and its store's memory) must not stay reachable from here.
    this.host = RELEASED as ArcHost;
    this.cache = RELEASED as ArcCache;
  }

  shared(key: DataKey, root: RootSchema, holder: object, slot: string | number): unknown {
    const id = classId(root);
    let st = this.keys.get(key);
    let v = st?.get(id);
    if (v === undefined) {
      v = this.live(st, key, root, id);
      if (v !== undefined) st = this.state(key, id, v);
      else st = this.want(st, key, root, id);
    }
    if (v !== undefined && v !== QUEUED) return v;
    this.fixups.push({ holder: holder as Record<string | number, unknown>, slot, classId: id, state: st! });
    return undefined;
  }

  lazy(key: DataKey, root: RootSchema): unknown {
    this.frozen?.lazy(key);
    // A handle holding the key and the kind only: it meets the arc's inner, if alive, when used.
    return pagedOutArc(this.host.kindFor(root), key);
  }

  restored(obj: object, meta: ClassMeta): void {
    this.hooks.push([obj, meta]);
  }
}
