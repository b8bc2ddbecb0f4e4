import { isPromise } from '../blobstore/await.js';
import type { BlobStore, RootEntry } from '../blobstore/interface.js';
import { PagableError, toPagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import { type Analysis, SHARED, UNREACHABLE, analyse } from './analysis.js';
import { type BlobDescription, blobJson, classLabel, describeBlob } from './describe.js';
import type { Json } from '../view/blob-view.js';
import type { BlobRef, Page } from './blob-ref.js';
import { blobRef, classBlobPage, classesMatching, keysWithPrefix, referrerPage, totalsByLabel } from './index-queries.js';
import { type Neighbourhood, type NeighbourhoodLimits, type NodeInfo, neighbourhood } from './neighbourhood.js';
import { indexedNodeInfo, storedNodeInfo } from './node-info.js';
import { Pacer } from './pacer.js';
import { type ScanProgress, scanStore } from './scan.js';
import type { StoreIndex } from './store-index.js';
import { type TreemapNode, treemapByClass, treemapByRoot } from './treemap.js';

/** A store to explore: its blobs, and what its backend can tell beyond the BlobStore interface. */
export interface ExploreSource {
  store: BlobStore;
  /** How the page names the store (a path, a redacted url). */
  label: string;
  /** Bytes the store takes on disk, where that means something (LMDB's data file). */
  fileBytes?: () => number;
  /** A cheap blob count, for the progress bar before the keys are listed (LMDB's counters). */
  blobCount?: () => number;
}

/** Everything the page shows of one blob. */
export interface BlobDetail extends BlobDescription {
  /** Root names that name this blob. */
  roots: string[];
  /** True when the content hashes to the key. */
  verified: boolean;
  /** The first MAX_CHILDREN children with their labels and sizes, in body order (`present` false: not stored). */
  childRefs: Array<BlobRef & { present: boolean }>;
  /** The first referrers, once the index is built (undefined before). */
  referrers: Page<BlobRef> | undefined;
  /** Which roots reach it: 'unreachable', 'shared', or the root names of the one group that does. */
  reachedBy: string[] | 'shared' | 'unreachable' | undefined;
}

/** The state of the background scan, and the store-wide figures once it is done. */
export interface Summary {
  store: string;
  scan: ScanProgress;
  roots: number;
  fileBytes: number | null;
  /** Null until the scan is done. */
  totals: null | {
    blobs: number;
    bytes: number;
    edges: number;
    labels: number;
    logicalBytes: number;
    dedupRatio: number;
    indexBytes: number;
    verify: { checked: number; corrupt: number; corruptKeys: DataKey[] };
    gc: { unreachableBlobs: number; unreachableBytes: number };
    dangling: { refs: number; sample: readonly DataKey[] };
  };
}

/** Longest page any list endpoint returns. */
export const MAX_PAGE = 500;
/** Children listed with a blob (each is read for its label); `children` still lists every key. */
export const MAX_CHILDREN = 500;
/** Referrers shown with a blob before the page asks for more. */
const FIRST_REFERRERS = 50;

/**
 * The model behind the explorer's API: one background scan (index + analysis) and the queries
 * the page makes, each bounded (paged lists, capped treemaps, limited neighbourhoods), so a store
 * of millions of blobs never reaches the browser whole. Read-only: nothing here writes to the store.
 */
export class Explorer {
  readonly #source: ExploreSource;
  #progress: ScanProgress = freshProgress(undefined);
  #index: StoreIndex | undefined;
  #analysis: Analysis | undefined;
  #roots: RootEntry[] = [];
  /** Per-scan results computed on first request: the treemaps, and blob count and bytes per label. */
  #treemaps = new Map<'class' | 'root', TreemapNode>();
  /** Reads schema blobs for the blob views; one function, so their cache lives as long as the explorer. */
  readonly #lookup = (k: DataKey): Promise<PagableData | undefined> => this.#read([k]).then((b) => b[0]);
  #labelTotals: Array<{ blobs: number; bytes: number }> | undefined;
  #scan: Promise<void> | undefined;
  #generation = 0;
  #closed = false;

  constructor(source: ExploreSource) {
    this.#source = source;
  }

  get #store(): BlobStore {
    return this.#source.store;
  }

  /** Starts a scan (the first, or again to see what changed); a scan in progress is abandoned. */
  rescan(): ScanProgress {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', 'the explorer is closed');
    const generation = ++this.#generation;
    const progress = freshProgress(this.#source.blobCount?.());
    this.#progress = progress;
    const run = async (): Promise<void> => {
      const cancelled = (): boolean => this.#closed || generation !== this.#generation;
      try {
        const pacer = new Pacer();
        const roots = await this.#store.listRoots();
        const index = await scanStore(this.#store, progress, cancelled, pacer);
        const analysis = await analyse(index, roots, pacer);
        if (cancelled()) return;
        this.#roots = roots;
        this.#index = index;
        this.#analysis = analysis;
        this.#treemaps.clear();
        this.#labelTotals = undefined;
        progress.phase = 'done';
        progress.ms = Date.now() - progress.startedAt;
      } catch (e) {
        if (cancelled()) return;
        progress.phase = 'failed';
        progress.error = toPagableError(e, 'IO', `scanning ${this.#source.label}`).message;
      }
    };
    this.#scan = run();
    return progress;
  }

  /** Resolves when the current scan has finished (tests, the benchmark). */
  async scanned(): Promise<ScanProgress> {
    await this.#scan;
    return this.#progress;
  }

  /** Abandons any scan; the store itself is closed by whoever opened it. */
  close(): void {
    this.#closed = true;
  }

  /** The scan's progress (cheap: the page polls it). */
  progress(): ScanProgress {
    return this.#progress;
  }

  async summary(): Promise<Summary> {
    const index = this.#index;
    const a = this.#analysis;
    const roots = index === undefined ? (await this.#store.listRoots()).length : this.#roots.length;
    return {
      store: this.#source.label,
      scan: this.#progress,
      roots,
      fileBytes: this.#source.fileBytes?.() ?? null,
      totals:
        index === undefined || a === undefined
          ? null
          : {
              blobs: index.size,
              bytes: a.storedBytes,
              edges: a.edges,
              labels: index.labels.length,
              logicalBytes: a.logicalBytes,
              dedupRatio: a.storedBytes === 0 ? 1 : a.logicalBytes / a.storedBytes,
              indexBytes: index.byteLength,
              verify: {
                checked: index.size,
                corrupt: index.corrupt.length,
                corruptKeys: index.corrupt.slice(0, 100).map((i) => index.keys.key(i)),
              },
              gc: { unreachableBlobs: a.unreachable.blobs, unreachableBytes: a.unreachable.bytes },
              dangling: index.dangling,
            },
    };
  }

  /** Every root with the blob it names and, once scanned, what it reaches. */
  async roots(): Promise<Array<RootEntry & { label: string | null; reach: { blobs: number; bytes: number } | null }>> {
    const roots = (await this.#store.listRoots()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const index = this.#index;
    const a = this.#analysis;
    return roots.map((r) => {
      const i = index?.keys.indexOf(r.key) ?? -1;
      const gi = a?.groups.findIndex((g) => g.key === r.key) ?? -1;
      return {
        ...r,
        label: index !== undefined && i >= 0 ? index.labelAt(i) : null,
        reach: (gi >= 0 ? a?.reachable[gi] : undefined) ?? null,
      };
    });
  }

  /** Stored bytes by class, or by root then class; null until the scan is done. */
  treemap(by: 'class' | 'root'): TreemapNode | null {
    const index = this.#index;
    const a = this.#analysis;
    if (index === undefined || a === undefined) return null;
    let t = this.#treemaps.get(by);
    if (t === undefined) {
      t = by === 'class' ? treemapByClass(index) : treemapByRoot(index, a);
      this.#treemaps.set(by, t);
    }
    return t;
  }

  /**
   * A full key, a root name, or a unique key prefix (4+ hex characters, once the index is built).
   * NOT_FOUND naming the argument otherwise; INVALID_ARGUMENT for an ambiguous prefix.
   */
  async resolve(arg: string): Promise<DataKey> {
    const lower = arg.toLowerCase();
    if (isDataKey(lower)) return lower;
    const root = await this.#store.getRoot(arg);
    if (root !== undefined) return root;
    const index = this.#index;
    if (index !== undefined && /^[0-9a-f]{4,31}$/.test(lower)) {
      const found = keysWithPrefix(index, lower, 3).map((i) => index.keys.key(i));
      if (found.length === 1) return found[0]!;
      if (found.length > 1)
        throw new PagableError('INVALID_ARGUMENT', `key prefix ${arg} is ambiguous (${found.slice(0, 2).join(', ')}, ...)`);
    }
    throw new PagableError('NOT_FOUND', `no blob or root named ${JSON.stringify(arg.slice(0, 100))} in ${this.#source.label}`);
  }

  async #read(keys: DataKey[]): Promise<Array<PagableData | undefined>> {
    const got = this.#store.getMany(keys);
    return isPromise(got) ? await got : got;
  }

  async #fetch(key: DataKey): Promise<PagableData> {
    let blob: PagableData | undefined;
    try {
      [blob] = await this.#read([key]);
    } catch (e) {
      throw toPagableError(e, 'IO', `reading blob ${key} of ${this.#source.label}`);
    }
    if (blob === undefined) throw new PagableError('NOT_FOUND', `blob ${key} is not in ${this.#source.label}`);
    return blob;
  }

  /** One blob: its description, the roots naming it, children with labels, the first referrers. */
  async blob(arg: string): Promise<BlobDetail> {
    const key = await this.resolve(arg);
    const blob = await this.#fetch(key);
    const lookup = this.#lookup;
    const d = await describeBlob(key, blob, lookup);
    let verified: boolean;
    try {
      verified = computeKey(blob) === key;
    } catch {
      verified = false;
    }
    const roots = (await this.#store.listRoots())
      .filter((r) => r.key === key)
      .map((r) => r.name)
      .sort();
    const listed = d.children.slice(0, MAX_CHILDREN);
    const distinct = [...new Set(listed)];
    const childBlobs = distinct.length === 0 ? [] : await this.#read(distinct);
    const childInfo = new Map<DataKey, BlobRef & { present: boolean }>();
    for (let i = 0; i < distinct.length; i++) {
      const b = childBlobs[i];
      const label = b === undefined ? '(missing)' : await classLabel(b, lookup);
      childInfo.set(distinct[i]!, { key: distinct[i]!, label, bytes: b?.data.length ?? 0, present: b !== undefined });
    }
    const index = this.#index;
    const at = index?.keys.indexOf(key) ?? -1;
    return {
      ...d,
      roots,
      verified,
      childRefs: listed.map((c) => childInfo.get(c)!),
      referrers: index === undefined ? undefined : referrerPage(index, at, 0, FIRST_REFERRERS),
      reachedBy: this.#reachedBy(at),
    };
  }

  #reachedBy(at: number): BlobDetail['reachedBy'] {
    const a = this.#analysis;
    if (a === undefined || at < 0) return undefined;
    const o = a.owner[at]!;
    return o === UNREACHABLE ? 'unreachable' : o === SHARED ? 'shared' : a.groups[o]!.names;
  }

  /** The blob in the CLI's `show --json` form. */
  async blobJson(arg: string): Promise<Json> {
    const key = await this.resolve(arg);
    const blob = await this.#fetch(key);
    await describeBlob(key, blob, this.#lookup);
    return blobJson(key, blob, this.#lookup);
  }

  /** A page of the blobs that refer to `arg`; null until the index is built. */
  async referrers(arg: string, offset: number, limit: number): Promise<Page<BlobRef> | null> {
    const key = await this.resolve(arg);
    const index = this.#index;
    if (index === undefined) return null;
    return referrerPage(index, index.keys.indexOf(key), offset, clampLimit(limit));
  }

  /** The bounded graph around `arg` (referrers too once the index is built). */
  async neighbourhood(arg: string, limits: NeighbourhoodLimits): Promise<Neighbourhood> {
    const key = await this.resolve(arg);
    const index = this.#index;
    const info = async (keys: DataKey[]): Promise<NodeInfo[]> => {
      if (index !== undefined) return indexedNodeInfo(index, keys, limits.nodes);
      // Before the index is built: read the blobs themselves (children only; referrers unknown).
      return storedNodeInfo(keys, await this.#read(keys), this.#lookup);
    };
    return neighbourhood(key, limits, info);
  }

  /**
   * Search: keys beginning with `q` (hex), class labels containing it, root names containing it
   * (case-insensitive). Each list bounded; null parts until the index is built.
   */
  async search(
    q: string,
    limit: number,
  ): Promise<{ keys: BlobRef[] | null; classes: Array<{ label: string; blobs: number; bytes: number }> | null; roots: RootEntry[] }> {
    const needle = q.trim().toLowerCase();
    const n = clampLimit(limit);
    const roots = (await this.#store.listRoots()).filter((r) => r.name.toLowerCase().includes(needle)).slice(0, n);
    const index = this.#index;
    if (index === undefined) return { keys: null, classes: null, roots };
    const keys = /^[0-9a-f]{1,32}$/.test(needle) ? keysWithPrefix(index, needle, n).map((i) => blobRef(index, i)) : [];
    this.#labelTotals ??= totalsByLabel(index);
    const classes = classesMatching(index, this.#labelTotals, needle, n);
    return { keys, classes, roots };
  }

  /** A page of the blobs with class label `label`, in key order; null until the index is built. */
  classBlobs(label: string, offset: number, limit: number): Page<BlobRef> | null {
    const index = this.#index;
    if (index === undefined) return null;
    const id = index.labels.indexOf(label);
    if (id < 0) throw new PagableError('NOT_FOUND', `no blob of class ${JSON.stringify(label.slice(0, 100))} in ${this.#source.label}`);
    return classBlobPage(index, id, offset, clampLimit(limit));
  }
}

function freshProgress(estimate: number | undefined): ScanProgress {
  return { phase: 'keys', done: 0, total: estimate, startedAt: Date.now(), ms: undefined, error: undefined };
}

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Number.isFinite(limit) ? Math.floor(limit) : MAX_PAGE));
}
