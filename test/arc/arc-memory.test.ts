/*
 * What a paged-out arc costs: a handle left behind by a page-out holds its key (in compact form)
 * and its storage + class, nothing else, and the storage keeps nothing per paged-out arc.
 * Measured with global.gc() on 100,000 arcs: bounds, not exact figures (<= 100 bytes of
 * heap per paged-out handle, on the in-memory storage and on LMDB).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DataKey,
  Field,
  InMemoryPagableStorage,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  type PagableStorage,
  Shared,
} from '../../src/index.js';
import { UNodeData, UNodeList } from '../support/arc-models.js';
import { heapUsed } from '../support/heap.js';

const N = 100_000;
/** The bound on the heap a paged-out handle costs. */
const MAX_BYTES_PER_HANDLE = 100;

const gc = (globalThis as { gc?: () => void }).gc;

interface Figures {
  /** Heap freed by dropping the handles (an array slot each included), per handle. */
  perHandle: number;
  /** Heap still in use once the handles are gone, per arc, against before the arcs were made. */
  leftPerArc: number;
}

/**
 * N arcs of `{ s: 'v' + i }` on `storage`, unpinned and paged out, kept in `box.arcs`. A function
 * of its own, so no register of a suspended caller still points at the array once it is dropped.
 */
async function pagedOutArcs(storage: PagableStorage, box: { arcs?: Array<PagableArc<{ s: string }>> }): Promise<void> {
  const arcs = new Array<PagableArc<{ s: string }>>(N);
  for (let i = 0; i < N; i++) {
    const a = PagableArc.new({ s: 'v' + i }, storage);
    a.unpin();
    arcs[i] = a;
  }
  const report = await storage.pageOutPending();
  expect(report).to.deep.equal({ pagedOut: N, failed: [] });
  expect(arcs.every((a) => a.isPagedOut && a.dataKey !== undefined)).to.equal(true);
  box.arcs = arcs;
}

/** Heap before the arcs are made, with their paged-out handles, and after dropping them. */
async function pagedOutHandles(storage: PagableStorage): Promise<Figures> {
  const base = await heapUsed();
  const box: { arcs?: Array<PagableArc<{ s: string }>> } = {};
  await pagedOutArcs(storage, box);
  const held = await heapUsed();
  box.arcs = undefined;
  const dropped = await heapUsed();
  return { perHandle: (held - dropped) / N, leftPerArc: (dropped - base) / N };
}

/** Loads the list into `box.list` (a function of its own: see pagedOutArcs). */
async function loadInto(s: PagableStorage, key: DataKey, box: { list?: UNodeList }): Promise<void> {
  box.list = await s.load(UNodeList, key);
  expect(box.list.nodes).to.have.length(N);
}

function report(what: string, f: Figures): void {
  console.log(
    `      ${what}: ${f.perHandle.toFixed(1)} B of heap per paged-out handle (array slot included), ` +
      `${f.leftPerArc.toFixed(1)} B per arc left once the handles are gone`,
  );
}

describe('arcs: heap per paged-out handle', function () {
  this.timeout(120_000);
  before(function () {
    if (gc === undefined) this.skip();
  });

  it(`in memory: at most ${MAX_BYTES_PER_HANDLE} bytes per handle, nothing left per arc once they are dropped`, async () => {
    const s = new InMemoryPagableStorage();
    try {
      const f = await pagedOutHandles(s);
      report('memory', f);
      expect(f.perHandle).to.be.at.most(MAX_BYTES_PER_HANDLE);
      // The store's blobs and index live in ArrayBuffers; on the heap, nothing per arc remains.
      expect(f.leftPerArc).to.be.at.most(16);
    } finally {
      await s.close();
    }
  });

  it(`on LMDB: at most ${MAX_BYTES_PER_HANDLE} bytes per handle, nothing left per arc once they are dropped`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagable-arc-memory-'));
    const s = await LmdbPagableStorage.open(dir);
    try {
      const f = await pagedOutHandles(s);
      report('LMDB', f);
      expect(f.perHandle).to.be.at.most(MAX_BYTES_PER_HANDLE);
      expect(f.leftPerArc).to.be.at.most(16);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`handles decoded from @Lazy fields cost the same, and stay the same arc as the program's`, async () => {
    const s = new InMemoryPagableStorage();
    try {
      const first = PagableArc.new(UNodeData.of(-1), s);
      const kept = first.clone();
      kept.unpin();
      const nodes = [first];
      for (let i = 0; i < N - 1; i++) nodes.push(PagableArc.new(UNodeData.of(i), s));
      for (const a of nodes) a.unpin();
      const key = await s.save(UNodeList.of(nodes));
      nodes.length = 0;

      const base = await heapUsed();
      const box: { list?: UNodeList } = {};
      await loadInto(s, key, box);
      expect(PagableArc.ptrEq(box.list!.nodes[0]!, kept)).to.equal(true);
      expect(box.list!.nodes[0]!.isPagedOut).to.equal(true);
      const held = await heapUsed();
      box.list = undefined;
      const dropped = await heapUsed();
      const perHandle = (held - dropped) / N;
      console.log(
        `      decoded: ${perHandle.toFixed(1)} B of heap per paged-out handle; ` +
          `${((held - base) / N).toFixed(1)} B per child with the loaded parent`,
      );
      expect(perHandle).to.be.at.most(MAX_BYTES_PER_HANDLE);

      // The kept handle still pins back the value the program made.
      const pin = await kept.pin();
      expect(pin.value.x).to.equal(-1);
      pin.release();
    } finally {
      await s.close();
    }
  });
});

describe('arcs: what a light paged-out handle still does', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  it('two arcs made from equal values are distinct while alive, and one arc once both are PagedOut', async () => {
    const a = PagableArc.new(UNodeData.of(7), s);
    const b = PagableArc.new(UNodeData.of(7), s);
    a.unpin();
    void s.pageOutPending(); // synchronous in memory
    expect(a.dataKey).to.be.a('string');
    expect(b.isPagedOut).to.equal(false);
    expect(PagableArc.ptrEq(a, b)).to.equal(false);
    const pinA = await a.pin();
    expect(b.pinnedCount, 'b is apart while alive').to.equal(1);
    pinA.release();
    a.unpin();
    b.unpin();
    void s.pageOutPending(); // synchronous in memory
    expect(b.dataKey).to.equal(a.dataKey);
    // Same storage, class and key while PagedOut: the same arc, as decoded handles of that blob are.
    expect(PagableArc.ptrEq(a, b)).to.equal(true);
    const pin = await a.pin();
    expect(b.isPagedOut).to.equal(false);
    expect(b.pinnedCount).to.equal(2);
    expect((await b.pin()).value).to.equal(pin.value);
  });

  it('an arc queued for page-out and then saved is PagedOut, not waiting for anything', async () => {
    const a = PagableArc.new(UNodeData.of(8), s);
    a.unpin();
    expect(a.state).to.equal('Scheduled');
    await s.save(a);
    expect(a.state).to.equal('PagedOut');
    expect(s.pendingPagingCount()).to.equal(0);
    expect(s.pageOutPending()).to.deep.equal({ pagedOut: 0, failed: [] });
    expect(a.pinSync().value.x).to.equal(8);
  });

  it('clones of a paged-out handle are the same arc; pinning one makes the value resident for all', () => {
    const a = PagableArc.new(UNodeData.of(9), s);
    a.unpin();
    void s.pageOutPending(); // synchronous in memory
    const c = a.clone();
    expect(PagableArc.ptrEq(a, c)).to.equal(true);
    expect(c.isPinned).to.equal(false);
    const pin = c.pinSync();
    expect(a.isPagedOut).to.equal(false);
    expect(a.pinnedCount).to.equal(2);
    expect(a.state).to.equal('Pinned');
    pin.release();
    c.unpin();
    expect(a.state).to.equal('PagedOut');
    expect(a.pinnedCount).to.equal(0);
  });
});

/** A leaf blob of about 1 KB. */
@Pagable()
class Page {
  @Field() text!: string;
}

/** A graph of `LEAVES` leaf blobs of its own, about 2 MB of blobs in all. */
@Pagable()
class Book {
  @Shared(() => [Page]) pages!: Page[];
}

const LEAVES = 2000;
const BOOKS = 12;

/** Loads book `key` and drops it, without a turn of the event loop (a function of its own: see pagedOutArcs). */
async function loadAndDrop(s: PagableStorage, key: DataKey): Promise<void> {
  const book = await s.load(Book, key);
  expect(book.pages).to.have.length(LEAVES);
}

describe('page-in: heap held by a loop of loads', function () {
  this.timeout(120_000);

  it('awaited loads that never let the event loop turn do not keep every graph they loaded alive', async () => {
    // A WeakRef keeps its target until the current job ends, and the arc cache makes one per
    // restored blob: each await below resolves at once (the memory store reads synchronously), so
    // the loop is one job, and the graphs it drops stayed alive until it ended.
    const s = new InMemoryPagableStorage();
    const keys: DataKey[] = [];
    for (let b = 0; b < BOOKS; b++) {
      const pages = Array.from({ length: LEAVES }, (_, i) => Object.assign(new Page(), { text: `${b}:${i}:` + 'x'.repeat(1000) }));
      keys.push(await s.save(Object.assign(new Book(), { pages })));
    }
    const base = await heapUsed();
    for (const k of keys) {
      await loadAndDrop(s, k);
      gc!(); // no turn of the event loop: only what nothing holds is freed
    }
    const grown = process.memoryUsage().heapUsed - base;
    console.log(`      ${BOOKS} loads of ~2 MB graphs, dropped without a turn: heap grew by ${(grown / 1e6).toFixed(1)} MB`);
    // Each book is ~2 MB of heap: all twelve held would be ~24 MB.
    expect(grown, `heap grew by ${(grown / 1e6).toFixed(1)} MB over ${BOOKS} dropped loads`).to.be.below(12e6);
    await s.close();
  });

  it('ends the job without timers: a big load resolves while setImmediate and setTimeout never fire', async () => {
    // As under fake timers in a user's tests (they leave process.nextTick alone by default).
    const s = new InMemoryPagableStorage();
    const pages = Array.from({ length: 3 * LEAVES }, (_, i) => Object.assign(new Page(), { text: `${i}:` + 'y'.repeat(1000) }));
    const key = await s.save(Object.assign(new Book(), { pages }));
    const timers = { setImmediate: globalThis.setImmediate, setTimeout: globalThis.setTimeout };
    const never = (() => undefined) as unknown as typeof setTimeout;
    globalThis.setImmediate = never as unknown as typeof setImmediate;
    globalThis.setTimeout = never;
    try {
      for (let i = 0; i < 3; i++) expect((await s.load(Book, key)).pages).to.have.length(3 * LEAVES);
    } finally {
      Object.assign(globalThis, timers);
    }
    await s.close();
  });
});

/** Saves and loads a book on a storage of its own, and returns weak references to both (a function of its own: see pagedOutArcs). */
async function loadOnce(): Promise<{ storage: WeakRef<object>; saved: WeakRef<object>; book: WeakRef<object>; page: WeakRef<object> }> {
  const s = new InMemoryPagableStorage();
  const pages = Array.from({ length: 10 }, (_, i) => Object.assign(new Page(), { text: `kept? ${i}` }));
  const saved = Object.assign(new Book(), { pages });
  const key = await s.save(saved);
  const book = await s.load(Book, key);
  return { storage: new WeakRef(s), saved: new WeakRef(saved), book: new WeakRef(book), page: new WeakRef(book.pages[3]!) };
}

describe('page-in and page-out: what a finished run leaves behind', () => {
  it('nothing of the user: the saved graph, the loaded one and the storage are collected once dropped', async () => {
    // The last finished page-in and page-out stay reachable (their objects keep V8's compiled
    // code valid across full GCs), emptied: they must hold no value, blob or storage.
    const refs = await loadOnce();
    await heapUsed();
    expect(refs.saved.deref(), 'the saved graph').to.equal(undefined);
    expect(refs.book.deref(), 'the loaded graph').to.equal(undefined);
    expect(refs.page.deref(), 'a shared child').to.equal(undefined);
    expect(refs.storage.deref(), 'the storage').to.equal(undefined);
  });
});
