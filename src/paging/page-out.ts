import type { ArcHost } from '../arc/arc-host.js';
import { ArcInner } from '../arc/arc-inner.js';
import { innerOf, innerOfPin, isPagableArc, isPinnedPagableArc } from '../arc/handles.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { BlobEntry } from '../blobstore/interface.js';
import { BlobEncoder, type ChildRef, type EncodeContext, viaOf } from '../codec/encoder.js';
import type { SchemaSet } from '../codec/schema-set.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import { type RootSchema, describeSchema } from '../metadata/schema.js';
import { classFits } from '../codec/wire-rules.js';
import { RELEASED, WARM } from './warm.js';

/** Where a page-out puts what it produces. */
export interface PageOutSink {
  /** A finished blob. */
  put(key: DataKey, data: PagableData): void;
  /** A blob already stored in another storage, to copy here with its descendants. */
  copyFrom(host: ArcHost, key: DataKey): void;
  /** A key of this storage reused without re-encoding (gc must treat it as live). */
  reuse(key: DataKey): void;
}

interface Task {
  readonly ref: ChildRef;
  readonly parent: Task | undefined;
  data: Uint8Array | undefined;
  children: ChildRef[] | undefined;
  schema: SchemaSet | undefined;
  root: RootSchema | undefined;
}

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

/**
 * The page-out engine: an iterative post-order walk over blobs (children before parents, as
 * content keys require), so a graph a million arcs deep needs no stack. Identity dedup: an object
 * or arc reached along many paths is encoded once per run. Pure computation; writes go to the sink.
 */
export class PageOutRun {
  private readonly encoder = new BlobEncoder(ARCS);
  /** Schema sets, and their schema blobs, already handed to the sink by this run. */
  private readonly schemasPut = new Set<SchemaSet | DataKey>();
  /** object or arc inner -> key, for this run. */
  readonly finished = new Map<object, DataKey>();
  private readonly inProgress = new Set<object>();
  /** Values that could not be encoded in this run, with their error, so it is thrown once per value. */
  private readonly failedWith = new Map<object, PagableError>();
  /** Own arcs given keys by this run, applied once the writes are durable. */
  readonly keyed: Array<[ArcInner, DataKey, RootSchema]> = [];

  /** The first task of this run, kept by `release` (see warm.ts). */
  private firstTask: Task | undefined = undefined;

  constructor(
    private host: ArcHost,
    private sink: PageOutSink,
    /** The batches of this page-out before this one, if any. */
    private earlier?: EarlierBatches,
  ) {}

  /**
   * Stores `ref` and everything below it; returns its key. On error, what was finished stays
   * finished (its blobs are in the sink and its arcs get their keys); only the unfinished path
   * is abandoned.
   */
  run(ref: ChildRef): DataKey {
    try {
      return this.walk(ref);
    } catch (e) {
      this.inProgress.clear();
      throw e;
    }
  }

  private encodeOnce(id: object, value: unknown, root: RootSchema, via: string): ReturnType<BlobEncoder['encode']> {
    const before = this.failedWith.get(id);
    if (before !== undefined) throw before;
    try {
      return this.encoder.encode(value, root, via);
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

  private walk(top: ChildRef): DataKey {
    const first: Task = { ref: top, parent: undefined, data: undefined, children: undefined, schema: undefined, root: undefined };
    this.firstTask ??= first;
    this.drain([first]);
    return this.finished.get(top.target)!;
  }

  /**
   * Runs `tasks` to completion. Nothing follows the loop: V8 (Node 20) caches the on-stack
   * compilation of a long first loop and enters it on later calls, and code after the loop that
   * had not run when it was compiled then deoptimized each later save (see page-in-driver.ts).
   */
  private drain(tasks: Task[]): void {
    while (tasks.length > 0) {
      const t = tasks.pop()!;
      const id = t.ref.target;
      if (t.data === undefined) {
        if (this.finished.has(id)) {
          this.again(t.ref);
          continue;
        }
        if (this.inProgress.has(id)) throw this.cycle(t);
        const stored = this.earlier !== undefined && !t.ref.isArc ? this.earlier.keys.get(id) : undefined;
        if (stored !== undefined) {
          this.sink.reuse(stored);
          this.finished.set(id, stored);
          continue;
        }
        let value: unknown = id;
        const root = t.ref.root;
        if (t.ref.isArc) {
          const inner = id as ArcInner;
          if (inner.key !== undefined) {
            checkLayout(inner, t.ref, this.encoder);
            if (inner.host === this.host) this.sink.reuse(inner.key);
            else this.sink.copyFrom(inner.host, inner.key);
            this.finished.set(id, inner.key);
            continue;
          }
          if (!inner.resident) throw new PagableError('IO', `${viaOf(t.ref)}: arc has neither a value nor a key`);
          value = inner.value;
        }
        const blob = this.encodeOnce(id, value, root, viaOf(t.ref));
        t.data = blob.data;
        t.children = blob.children;
        t.schema = blob.schema;
        t.root = root;
        this.inProgress.add(id);
        tasks.push(t);
        for (let i = blob.children.length - 1; i >= 0; i--) {
          const c = blob.children[i]!;
          // Shared dependencies are mostly stored already: no task for them.
          if (this.finished.has(c.target)) this.again(c);
          else tasks.push({ ref: c, parent: t, data: undefined, children: undefined, schema: undefined, root: undefined });
        }
      } else {
        const children = t.children!;
        const schema = t.schema!;
        // The schema set is a child like any other (gc, verify and copies follow it), always last.
        const arcs = new Array<DataKey>(children.length + 1);
        for (let i = 0; i < children.length; i++) arcs[i] = this.finished.get(children[i]!.target)!;
        arcs[children.length] = schema.key;
        if (!this.schemasPut.has(schema)) {
          this.schemasPut.add(schema);
          for (const [k, b] of schema.blobs) {
            if (this.schemasPut.has(k)) continue;
            this.schemasPut.add(k);
            this.sink.put(k, b);
          }
        }
        const data: PagableData = { data: t.data, arcs };
        const key = computeKey(data);
        this.sink.put(key, data);
        this.finished.set(id, key);
        this.inProgress.delete(id);
        if (t.ref.isArc && (id as ArcInner).host === this.host) this.keyed.push([id as ArcInner, key, t.root!]);
      }
    }
  }

  /** Hands what this committed batch stored to the next batches of the page-out (arcs carry their keys). */
  handOver(earlier: EarlierBatches): void {
    for (const [obj, key] of this.finished) if (!(obj instanceof ArcInner)) earlier.keys.set(obj, key);
    for (const [obj, err] of this.failedWith) earlier.failed.set(obj, err);
  }

  /**
   * `ref` reaches a value this run stored already, as the blob encoded for the first reference:
   * it must read back as `ref` declares it too, which it does when encoding it for `ref` would
   * pass (the bytes are then the same: see BlobEncoder.checkRoot). Most references are the same
   * kind of field again, holding exactly its declared class: those pass at once.
   */
  private again(ref: ChildRef): void {
    let value: unknown = ref.target;
    if (ref.isArc) {
      const inner = ref.target as ArcInner;
      // Keys are given once the run is committed: an arc with one was stored before it.
      if (inner.key !== undefined) return checkLayout(inner, ref, this.encoder);
      value = inner.value;
    }
    const r = ref.root;
    if (r.k === 'class' && r.meta !== undefined && typeof value === 'object' && value !== null && value.constructor === r.cls) return;
    this.encoder.checkRoot(value, r, viaOf(ref));
  }

  /**
   * Lets go of everything this run reached (values, arcs, blobs, the storage) once its writes are
   * committed, keeping one object of each shape it made (see warm.ts). Only objects of the run's
   * own are changed: blobs handed to the store are never touched.
   */
  release(): void {
    this.finished.clear();
    this.inProgress.clear();
    this.failedWith.clear();
    this.schemasPut.clear();
    this.keyed.length = 0;
    this.encoder.release();
    const t = this.firstTask;
    if (t !== undefined) {
      // One child reference the encoder made (its own shape: `owner` holds a class there), if any.
      const child = t.children?.[0];
      t.data = t.schema = t.root = undefined;
      t.children = child === undefined ? undefined : [child];
      const top = t.ref as { target: object; owner: unknown };
      top.target = RELEASED;
      top.owner = undefined;
      if (child !== undefined) (child as { target: object }).target = RELEASED;
    }
    this.host = RELEASED as ArcHost;
    this.sink = RELEASED as PageOutSink;
    this.earlier = undefined;
  }

  private cycle(t: Task): PagableError {
    const path: string[] = [];
    for (let p: Task | undefined = t; p !== undefined && path.length < 20; p = p.parent) {
      path.unshift(viaOf(p.ref));
      if (p.parent !== undefined && p.parent.ref.target === t.ref.target) break;
    }
    return new PagableError(
      'CYCLE',
      `a cycle through arc fields cannot be stored (blobs are named by their content): ${path.join(' -> ')} leads back to an object already being stored`,
    );
  }
}

/**
 * An arc stored before (it has a key) must read back as `ref` declares it: checked on its value
 * when resident, else on the root its blob was written for, refusing what that cannot tell.
 */
function checkLayout(inner: ArcInner, ref: ChildRef, encoder: BlobEncoder): void {
  const declared = ref.root;
  const written = inner.root;
  if (written === undefined || written === declared) return;
  if (inner.resident) return encoder.checkRoot(inner.value, declared, viaOf(ref));
  if (declared.k === 'codec') {
    // Read back, the blob must give a value of the codec's class: written for it or a subclass of it.
    const cls = written.k === 'codec' ? written.cls : written.k === 'class' && written.meta?.tag !== undefined ? written.cls : undefined;
    if (cls !== undefined && declared.cls !== undefined && classFits(cls, declared.cls)) return;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${viaOf(ref)}: the arc holds a blob written as ${describeSchema(written)}, which cannot be read back as ${describeSchema(declared)} (pin it first if it holds one)`,
    );
  }
  if (declared.k !== 'class') {
    // Read as plain data, a blob must carry its class: written for a tagged class or a base
    // that is not @Pagable (whose values are all tagged), or written as plain data.
    if (written.k !== 'class' || written.meta === undefined || written.meta.tag !== undefined) return;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${viaOf(ref)}: the arc holds a blob written as an untagged ${written.cls.name}, which cannot be read back as plain data; add a @TypeTag to ${written.cls.name}, or declare the field @Lazy(() => ${written.cls.name})`,
    );
  }
  if (written.k !== 'class') {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${viaOf(ref)}: the arc holds a blob written as plain data, which cannot be read back as ${declared.cls.name} (pin it first if it holds a ${declared.cls.name})`,
    );
  }
  if (written.cls === declared.cls) return;
  const ok = written.cls.prototype instanceof declared.cls && written.meta?.tag !== undefined;
  if (!ok) {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${viaOf(ref)}: the arc holds a blob written as ${written.cls.name}, which cannot be read back as ${declared.cls.name}${written.cls.prototype instanceof declared.cls ? ` without a @TypeTag on ${written.cls.name}` : ''}`,
    );
  }
}

/** A sink that collects a run's output, for the storage to write once the run is done. */
export class CollectingSink implements PageOutSink {
  readonly entries: BlobEntry[] = [];
  readonly copies: Array<[ArcHost, DataKey]> = [];
  readonly reused: DataKey[] = [];
  /** The `data` bytes of the entries: what a batch holds until it is written. */
  bytes = 0;
  put(key: DataKey, data: PagableData): void {
    this.entries.push({ key, data });
    this.bytes += data.data.length;
  }
  copyFrom(host: ArcHost, key: DataKey): void {
    this.copies.push([host, key]);
  }
  reuse(key: DataKey): void {
    this.reused.push(key);
  }

  /** Forgets what it collected, keeping one entry of its shape (see warm.ts); entries given out are not touched. */
  release(): void {
    this.entries.length = 0;
    this.copies.length = 0;
    this.reused.length = 0;
    this.bytes = 0;
    this.put(TEMPLATE_KEY, TEMPLATE_DATA);
  }
}

/** The entry a released sink keeps: a blob of the shape page-out makes, holding nothing. */
const TEMPLATE_KEY: DataKey = '00000000000000000000000000000000';
const TEMPLATE_DATA: PagableData = { data: Buffer.alloc(0), arcs: [] };

/** Releases a page-out whose writes are committed, and keeps it (see warm.ts). */
export function retire(run: PageOutRun, sink: CollectingSink): void {
  run.release();
  sink.release();
  WARM.pageOut = run;
  WARM.sink = sink;
}
