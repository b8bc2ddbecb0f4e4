/*
 * PagableArc / PinnedPagableArc: pin counting, paging out and back in, GC, failure isolation,
 * @Lazy children, the arc cache, single flight, `using`, pinSync, dev-mode freezing, and a
 * 100,000-arc graph. Tests named test_* port the Rust crate's tests of the same name
 * (pagable/src/test/derive.rs, pagable/src/storage/in_memory.rs, pagable/src/storage/traits/tests.rs).
 */
import { expect } from 'chai';
import {
  type DataKey,
  InMemoryPagableStorage,
  PagableArc,
  PagableError,
  type PagableData,
  type PageOutReport,
  PagableStorageBase,
  PinnedPagableArc,
} from '../../src/index.js';
import { Dep, Module, Package } from '../support/models.js';
import { RawMapStorage } from '../support/raw-map-storage.js';
import {
  Blob,
  Catalog,
  CfgNodeData,
  Doc,
  Item,
  NotDecorated,
  Pair,
  SharedHolder,
  UNodeData,
  UNodeList,
  WithCallback,
} from '../support/arc-models.js';
import { expectError } from '../support/expect-error.js';
import { asyncOnlyMemoryStore } from '../support/async-only-store.js';

// ---- helpers ------------------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;

/** Lets WeakRef targets of the current job go, then collects (twice, with turns in between). */
async function collect(): Promise<void> {
  if (gc === undefined) throw new Error('run mocha with --expose-gc (the .mocharc.json does)');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** pageOutPending of a storage that does it synchronously (memory and the test backend). */
function pageOut(s: PagableStorageBase): PageOutReport {
  const r = s.pageOutPending();
  expect(typeof (r as { then?: unknown }).then, 'pageOutPending should be synchronous here').to.not.equal('function');
  return r as PageOutReport;
}

function expectThrows(f: () => unknown, code: string): PagableError {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(PagableError);
    expect((e as PagableError).code, (e as Error).message).to.equal(code);
    return e as PagableError;
  }
  return expect.fail(`expected PagableError ${code}`);
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/**
 * A test backend whose reads are asynchronous (a few milliseconds, like a remote store) and
 * counted, whose blobs can be deleted, and which cannot fetch synchronously.
 */
class RemoteStorage extends RawMapStorage {
  rawFetchCalls = 0;
  delayMs = 3;

  protected override async rawFetch(key: DataKey): Promise<PagableData | undefined> {
    this.rawFetchCalls++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.blobs.get(key);
  }
  /** Loses one blob (as a remote store might). */
  lose(key: DataKey): void {
    this.blobs.delete(key);
  }
}

/** The in-memory storage with its synchronous fetch hidden, as a backend that has none (Redis). */
class NoSyncFetchStorage extends PagableStorageBase {
  constructor() {
    super(asyncOnlyMemoryStore());
  }
}

function pkg(name: string, entry: PagableArc<Module> | undefined, main?: Dep): Package {
  const p = new Package();
  p.name = name;
  p.meta = new Map([['license', 'MIT']]);
  p.modules = [Module.of(`${name}/a.ts`, 1)];
  p.entry = entry;
  p.main = main;
  return p;
}

// ---- tests --------------------------------------------------------------------------------------

describe('arcs', function () {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  describe('ports of the Rust crate tests', () => {
    it('test_pagable_arc_refcounts', async () => {
      const arc1 = PinnedPagableArc.new('hello world', s);
      const weak1 = arc1.clone().intoPagable();
      expect(weak1.pinnedCount).to.equal(2);
      expect(weak1.isPinned).to.equal(true);

      weak1.unpin();
      expect(weak1.pinnedCount).to.equal(1);
      expect(weak1.isPinned).to.equal(false);

      arc1.release(); // drop(arc1)
      expect(weak1.pinnedCount).to.equal(0);
      expect(weak1.isPagedOut).to.equal(false);

      {
        const arc2 = weak1.clone();
        expect(weak1.pinnedCount).to.equal(0);
        expect(arc2.isPinned).to.equal(false);
        const pin1 = await arc2.pin();
        expect(weak1.pinnedCount).to.equal(2);
        expect(arc2.isPinned).to.equal(true);

        pin1.release(); // drop(pin1)
        expect(weak1.pinnedCount).to.equal(1);
        arc2.unpin(); // drop(arc2)
        expect(weak1.pinnedCount).to.equal(0);
      }

      // This creates a pin and converts weak1 to pinned.
      const pinned = await weak1.pin();
      expect(weak1.pinnedCount).to.equal(2);
      expect(weak1.isPinned).to.equal(true);
      expect(pinned.value).to.equal('hello world');
    });

    it('test_pagable_arc_paging', async () => {
      const pagable = PagableArc.new('hello world', s);
      pagable.unpin();

      expect(s.pendingPagingCount()).to.equal(1);
      expect(pagable.isPagedOut).to.equal(false);

      pageOut(s);

      expect(pagable.isPagedOut).to.equal(true);
      expect(pagable.dataKey).to.be.a('string');
      expect(s.pendingPagingCount()).to.equal(0);

      const key = pagable.dataKey!;
      const deserialized = await s.load(String, key);
      const arc2 = PinnedPagableArc.new(deserialized, s);

      const arc1 = await pagable.pin();
      expect(pagable.isPinned).to.equal(true);
      expect(pagable.isPagedOut).to.equal(false);

      expect(arc1.value).to.equal('hello world');
      expect(arc1.value).to.equal(arc2.value);
    });

    it('test_pagable_arc_shared_arc', async () => {
      // Two arcs whose values share one @Shared child (Rust: two PagableArcs of one std Arc).
      const inner = Blob.of(7);
      const pagable1 = PagableArc.new(SharedHolder.of(1, inner), s);
      const pagable2 = PagableArc.new(SharedHolder.of(2, inner), s);
      pagable1.unpin();
      pagable2.unpin();

      const report = pageOut(s);
      expect(report.failed).to.deep.equal([]);
      expect(report.pagedOut).to.equal(2);

      expect(pagable1.isPagedOut).to.equal(true);
      expect(pagable2.isPagedOut).to.equal(true);

      const strong1 = await pagable1.pin();
      const strong2 = await pagable2.pin();

      expect(PagableArc.ptrEq(pagable1, pagable2)).to.equal(false);
      expect(strong1.value).to.not.equal(strong2.value);
      expect(strong1.value.shared).to.equal(strong2.value.shared); // the shared child came back shared
      expect(strong1.value.shared).to.not.equal(inner); // ...and it is the paged-in copy
      expect([...strong1.value.shared.bytes]).to.deep.equal([...inner.bytes]);
    });

    /**
     * The Rust test builds the same graph with pins held inside values (`CfgNodeData.node` is a
     * PinnedPagableArc, `deps` hold Pinned clones) and relies on Drop to release them when a value
     * is paged out. JavaScript has no Drop, so here the values hold Unpinned handles; the Pinned
     * variant is the skipped test below.
     */
    it('test_pagable_arc (handles inside values unpinned): a shared inner arc reached from two parents', async () => {
      const node1 = PagableArc.new(UNodeData.of(1), s);
      const node2 = PagableArc.new(UNodeData.of(2), s);
      const node3 = PagableArc.new(UNodeData.of(3), s);

      const weakNode1 = node1.clone();
      const weakNode2 = node2.clone();
      const weakNode3 = node3.clone();
      expect(node1.pinnedCount).to.equal(2);
      weakNode1.unpin();
      weakNode2.unpin();
      weakNode3.unpin();
      expect(node1.pinnedCount).to.equal(1);

      const unpinned = <T>(a: PagableArc<T>): PagableArc<T> => {
        const c = a.clone();
        c.unpin();
        return c;
      };
      const evalResult = PagableArc.new(UNodeList.of([unpinned(node1), unpinned(node2), unpinned(node3)]), s);
      const cfgnode1 = PagableArc.new(CfgNodeData.of(unpinned(node1), []), s);
      const cfgnode2 = PagableArc.new(CfgNodeData.of(unpinned(node2), [unpinned(cfgnode1)]), s);
      const cfgnode3 = PagableArc.new(CfgNodeData.of(unpinned(node3), [unpinned(cfgnode1), unpinned(cfgnode2)]), s);
      expect(node1.pinnedCount).to.equal(1);
      expect(cfgnode1.pinnedCount).to.equal(1);

      // drop(node1..3)
      node1.unpin();
      node2.unpin();
      node3.unpin();
      expect(s.pendingPagingCount()).to.equal(3);

      let report = pageOut(s);
      expect(report).to.deep.equal({ pagedOut: 3, failed: [] });
      expect(weakNode1.isPagedOut).to.equal(true);

      evalResult.unpin();
      cfgnode1.unpin();
      cfgnode2.unpin();
      cfgnode3.unpin();

      report = pageOut(s);
      expect(report).to.deep.equal({ pagedOut: 4, failed: [] });

      for (const a of [cfgnode1, cfgnode2, cfgnode3, evalResult, weakNode1, weakNode2, weakNode3] as Array<PagableArc<unknown>>) {
        expect(a.dataKey).to.be.a('string');
        expect(a.isPagedOut).to.equal(true);
        expect(a.pinnedCount).to.equal(0);
      }

      // upgrading cfgnode1
      expect(cfgnode1.isPinned).to.equal(false);
      const strongCfgnode1 = await cfgnode1.pin();
      expect(cfgnode1.isPinned).to.equal(true);
      // A @Lazy child comes back PagedOut (nothing fetched for it yet).
      expect(strongCfgnode1.value.node.isPagedOut).to.equal(true);
      expect(strongCfgnode1.value.node.dataKey).to.equal(weakNode1.dataKey);

      // upgrading eval_result
      const strongEvalResult = await evalResult.pin();
      expect(evalResult.isPagedOut).to.equal(false);
      expect(strongEvalResult.value.nodes.length).to.equal(3);

      // node1 is reached from both parents through one shared inner.
      const viaEval = strongEvalResult.value.nodes[0]!;
      const viaCfg = strongCfgnode1.value.node;
      expect(PagableArc.ptrEq(viaEval, viaCfg)).to.equal(true);
      expect(viaEval.isPinned).to.equal(false);

      // Pinned from one parent, it is resident for the other.
      const pinFromCfg = await viaCfg.pin();
      expect(viaEval.isPagedOut).to.equal(false);
      expect(viaEval.isPinned).to.equal(false);
      expect(viaCfg.pinnedCount).to.equal(2); // the pin + viaCfg's handle
      const pinFromEval = await viaEval.pin();
      expect(pinFromEval.value).to.equal(pinFromCfg.value);
      expect(pinFromEval.value.x).to.equal(1);
      expect(viaCfg.pinnedCount).to.equal(4);

      const strongNode2 = await strongEvalResult.value.nodes[1]!.pin();
      expect(strongEvalResult.value.nodes[1]!.isPinned).to.equal(true);
      expect(strongNode2.value.x).to.equal(2);

      expect(cfgnode3.isPinned).to.equal(false);
      const strongCfgnode3 = await cfgnode3.pin();
      expect(cfgnode3.isPinned).to.equal(true);
      // cfgnode1 is a dep of cfgnode2 and cfgnode3: both parents come back with one shared inner.
      const strongCfgnode2 = await cfgnode2.pin();
      expect(PagableArc.ptrEq(strongCfgnode3.value.deps[0]!, strongCfgnode2.value.deps[0]!)).to.equal(true);
      expect(strongCfgnode3.value.deps[0]!.dataKey).to.equal(cfgnode1.dataKey);
      expect(PagableArc.ptrEq(strongCfgnode3.value.deps[1]!, strongCfgnode2.value.deps[0]!)).to.equal(false);

      // Releasing both pins of node1 and both handles returns it to PagedOut (it has a key).
      pinFromCfg.release();
      pinFromEval.release();
      viaCfg.unpin();
      viaEval.unpin();
      expect(weakNode1.pinnedCount).to.equal(0);
      expect(weakNode1.isPagedOut).to.equal(true);
    });

    /**
     * The Rust test as written: the values hold Pinned handles (`node.dupe()`, `node.0.pin_sync()`)
     * and Rust's Drop releases them when a paged-out value is dropped. JavaScript has no Drop: the
     * core releases the pin of a Pinned handle when the GC collects it, so the cascade (cfgnode3's
     * value frees cfgnode2's and cfgnode1's pins, and so on) completes over a few collections.
     */
    it('test_pagable_arc', async () => {
      const node1 = PagableArc.new(UNodeData.of(1), s);
      const node2 = PagableArc.new(UNodeData.of(2), s);
      const node3 = PagableArc.new(UNodeData.of(3), s);
      const weakNode1 = node1.clone();
      const weakNode2 = node2.clone();
      const weakNode3 = node3.clone();
      weakNode1.unpin();
      weakNode2.unpin();
      weakNode3.unpin();

      // Pinned clones inside values, as Rust's `node.dupe()` and `node.0.pin_sync()`.
      const evalResult = PagableArc.new(UNodeList.of([node1.clone(), node2.clone(), node3.clone()]), s);
      const cfgnode1 = PagableArc.new(CfgNodeData.of(node1.clone(), []), s);
      const cfgnode2 = PagableArc.new(CfgNodeData.of(node2.clone(), [cfgnode1.clone()]), s);
      const cfgnode3 = PagableArc.new(CfgNodeData.of(node3.clone(), [cfgnode1.clone(), cfgnode2.clone()]), s);
      expect(node1.pinnedCount).to.equal(3);
      expect(cfgnode1.pinnedCount).to.equal(3);
      node1.unpin();
      node2.unpin();
      node3.unpin();
      expect(pageOut(s)).to.deep.equal({ pagedOut: 0, failed: [] }); // nothing is unpinned yet
      evalResult.unpin();
      cfgnode1.unpin();
      cfgnode2.unpin();
      cfgnode3.unpin();
      expect(pageOut(s).failed).to.deep.equal([]);

      const all = [cfgnode1, cfgnode2, cfgnode3, evalResult, weakNode1, weakNode2, weakNode3] as Array<PagableArc<unknown>>;
      for (const a of all) expect(a.dataKey).to.be.a('string');
      expect(cfgnode3.isPagedOut).to.equal(true);
      expect(evalResult.isPagedOut).to.equal(true);
      for (let round = 0; round < 10 && !all.every((a) => a.isPagedOut); round++) await collect();
      for (const a of all) {
        expect(a.isPagedOut, String(a)).to.equal(true);
        expect(a.pinnedCount, String(a)).to.equal(0);
      }

      // upgrading cfgnode1
      expect(cfgnode1.isPinned).to.equal(false);
      const strongCfgnode1 = await cfgnode1.pin();
      expect(cfgnode1.isPinned).to.equal(true);
      // upgrading eval_result
      const strongEvalResult = await evalResult.pin();
      expect(evalResult.isPagedOut).to.equal(false);
      expect(strongEvalResult.value.nodes.length).to.equal(3);
      // @Lazy children come back Unpinned and PagedOut until pinned (Rust's TODO: "the arc held
      // here should not be strong"); node1, reached from both parents, is one shared inner.
      const viaEval = strongEvalResult.value.nodes[0]!;
      expect(PagableArc.ptrEq(viaEval, strongCfgnode1.value.node)).to.equal(true);
      expect(viaEval.dataKey).to.equal(weakNode1.dataKey);
      expect(viaEval.isPinned).to.equal(false);
      expect(viaEval.isPagedOut).to.equal(true);
      const pinViaCfg = await strongCfgnode1.value.node.pin();
      expect(viaEval.isPagedOut).to.equal(false); // pinned from one parent, resident for the other
      expect((await viaEval.pin()).value).to.equal(pinViaCfg.value);

      const strongNode2 = await strongEvalResult.value.nodes[1]!.pin();
      expect(strongEvalResult.value.nodes[1]!.isPinned).to.equal(true);
      expect(strongNode2.value.x).to.equal(2);

      expect(cfgnode3.isPinned).to.equal(false);
      const strongCfgnode3 = await cfgnode3.pin();
      expect(cfgnode3.isPinned).to.equal(true);
      const strongCfgnode2 = await cfgnode2.pin();
      expect(PagableArc.ptrEq(strongCfgnode3.value.deps[0]!, strongCfgnode2.value.deps[0]!)).to.equal(true);
      expect(strongCfgnode3.value.deps[0]!.dataKey).to.equal(cfgnode1.dataKey);
    });

    it('a Pinned handle or a pin that becomes garbage releases its pin when collected', async () => {
      const setUp = (): { watch: PagableArc<Doc>; pairArc: PagableArc<Pair> } => {
        const child = PagableArc.new(Doc.of('child'), s); // starts Pinned
        const watch = child.clone();
        watch.unpin();
        const held = new Pair();
        held.good = child; // a Pinned handle inside a value that is then paged out
        return { watch, pairArc: PagableArc.new(held, s) };
      };
      const { watch, pairArc } = setUp();
      await watch.pin(); // a pin nobody releases
      watch.unpin();
      pairArc.unpin();
      expect(pageOut(s).failed).to.deep.equal([]);
      expect(pairArc.isPagedOut).to.equal(true);
      expect(watch.dataKey).to.be.a('string'); // keyed with its parent
      expect(watch.pinnedCount).to.equal(2); // the handle inside the dropped value, the forgotten pin
      for (let round = 0; round < 10 && watch.pinnedCount > 0; round++) await collect();
      expect(watch.pinnedCount).to.equal(0);
      expect(watch.isPagedOut).to.equal(true);
    });

    it('a parent paged back in holds the same arc as the program for a child it still holds', async () => {
      const child = PagableArc.new(UNodeData.of(1), s);
      const held = child.clone();
      held.unpin();
      const parent = PagableArc.new(CfgNodeData.of(child, []), s);
      child.unpin();
      parent.unpin();
      pageOut(s);
      expect(held.isPagedOut).to.equal(true);
      const p = await parent.pin();
      expect(PagableArc.ptrEq(p.value.node, held)).to.equal(true);
      const pin = await held.pin();
      expect(p.value.node.isPagedOut).to.equal(false);
      expect(p.value.node.pinnedCount).to.equal(2);
      pin.release();
    });

    it('pending_page_out_reuses_nested_stored_arc', async () => {
      const child = PagableArc.new(UNodeData.of(42), s);
      const childKey = await s.save(child); // the child already has its key
      expect(child.dataKey).to.equal(childKey);
      const parent = PagableArc.new(CfgNodeData.of(child, []), s);
      child.unpin();
      expect(child.isPagedOut).to.equal(true);
      const storesBefore = s.stats().stores;

      parent.unpin();
      expect(s.pendingPagingCount()).to.equal(1);
      const report = pageOut(s);
      expect(s.pendingPagingCount()).to.equal(0);
      expect(report).to.deep.equal({ pagedOut: 1, failed: [] });
      const arcs = (await s.fetchData(parent.dataKey!)).arcs;
      // The parent's last child key is its schema set (the writer's schema travels with the data).
      expect(arcs.slice(0, -1)).to.deep.equal([childKey]);
      const schemaBlobs = 1 + (await s.fetchData(arcs[arcs.length - 1]!)).arcs.length;
      // The parent and its schema blobs only; the child is reused, not re-encoded.
      expect(s.stats().stores - storesBefore).to.equal(1 + schemaBlobs);
    });

    async function saveSharedItems(numItems: number): Promise<DataKey[]> {
      const shared = Blob.of(0xab);
      const keys: DataKey[] = [];
      for (let i = 0; i < numItems; i++) keys.push(await s.save(SharedHolder.of(i, shared)));
      return keys;
    }

    it('deserialize_arc_does_not_duplicate (identity): parallel loads of values sharing a @Shared child share one object', async () => {
      const keys = await saveSharedItems(100);
      const values = await Promise.all(keys.map((k) => s.load(SharedHolder, k)));
      for (const v of values) expect(v.shared).to.equal(values[0]!.shared);
      expect(values.map((v) => v.i)).to.deep.equal(keys.map((_, i) => i));
    });

    // BUG (core, performance): no single flight across page-in runs. Parallel loads whose values
    // share a @Shared child each fetch that child's blob (PageInRun.supply then reuses the first
    // decoded object, so identity holds, but the fetch is repeated): 100 parallel loads make 200
    // fetches where the Rust test allows at most 101.
    it('deserialize_arc_does_not_duplicate', async () => {
      const numItems = 100;
      const keys = await saveSharedItems(numItems);
      const before = s.stats().fetches;
      await Promise.all(keys.map((k) => s.load(SharedHolder, k)));
      const total = s.stats().fetches - before;
      expect(total, `expected at most ${numItems + 1} fetches`).to.be.at.most(numItems + 1);
    });
  });

  describe('pin counting', () => {
    it('PagableArc.new starts Pinned with count 1 and no key', () => {
      const a = PagableArc.new(Doc.of('a'), s);
      expect(a.isPinned).to.equal(true);
      expect(a.pinnedCount).to.equal(1);
      expect(a.isPagedOut).to.equal(false);
      expect(a.dataKey).to.equal(undefined);
      expect(s.pendingPagingCount()).to.equal(0);
    });

    it('pin() of a Pinned handle adds one; of an Unpinned handle adds two; unpin() is idempotent', async () => {
      const a = PagableArc.new(Doc.of('a'), s);
      const p1 = await a.pin();
      expect(a.pinnedCount).to.equal(2);
      a.unpin();
      expect(a.pinnedCount).to.equal(1);
      a.unpin();
      a.unpin();
      expect(a.pinnedCount).to.equal(1);
      expect(a.isPinned).to.equal(false);
      const p2 = a.pinSync();
      expect(a.pinnedCount).to.equal(3);
      expect(a.isPinned).to.equal(true);
      expect(p2.value).to.equal(p1.value);
      p1.release();
      p2.release();
      expect(a.pinnedCount).to.equal(1);
    });

    it('clone() is Pinned iff the source is Pinned and the value resident', async () => {
      const a = PagableArc.new(Doc.of('a'), s);
      const pinnedClone = a.clone();
      expect(pinnedClone.isPinned).to.equal(true);
      expect(a.pinnedCount).to.equal(2);
      expect(PagableArc.ptrEq(a, pinnedClone)).to.equal(true);
      pinnedClone.unpin();
      const unpinnedClone = pinnedClone.clone();
      expect(unpinnedClone.isPinned).to.equal(false);
      expect(a.pinnedCount).to.equal(1);
      a.unpin();
      pageOut(s);
      expect(a.isPagedOut).to.equal(true);
      const pagedOutClone = a.clone();
      expect(pagedOutClone.isPinned).to.equal(false);
      expect(pagedOutClone.isPagedOut).to.equal(true);
      expect(pagedOutClone.dataKey).to.equal(a.dataKey);
    });

    it('PinnedPagableArc: new, clone, idempotent release, RELEASED after release, [Symbol.dispose]', () => {
      const p = PinnedPagableArc.new(Doc.of('p'), s);
      const q = p.clone();
      const h = q.clone().intoPagable();
      expect(h.pinnedCount).to.equal(3);
      p.release();
      p.release();
      expect(h.pinnedCount).to.equal(2);
      expect(p.isReleased).to.equal(true);
      expectThrows(() => p.value, 'RELEASED');
      expectThrows(() => p.clone(), 'RELEASED');
      expectThrows(() => p.intoPagable(), 'RELEASED');
      q[Symbol.dispose]();
      expect(h.pinnedCount).to.equal(1);
      expect(q.isReleased).to.equal(true);
    });

    it('intoPagable() moves the pin into a new Pinned handle: count unchanged, the pin released', () => {
      const doc = Doc.of('moved');
      const pin = PinnedPagableArc.new(doc, s);
      const h = pin.intoPagable();
      expect(h.pinnedCount).to.equal(1);
      expect(h.isPinned).to.equal(true);
      expect(pin.isReleased).to.equal(true);
      expectThrows(() => pin.value, 'RELEASED');
      pin.release(); // a no-op: the pin moved
      expect(h.pinnedCount).to.equal(1);
      expect(h.pinSync().value).to.equal(doc);
    });

    it('the last pin of an arc with a key pages it out at once; without a key it is scheduled', async () => {
      const a = PagableArc.new(Doc.of('k'), s);
      await s.save(a); // gives the arc its key; the value stays resident while pinned
      expect(a.dataKey).to.be.a('string');
      expect(a.isPagedOut).to.equal(false);
      a.unpin();
      expect(a.isPagedOut).to.equal(true);
      expect(s.pendingPagingCount()).to.equal(0);

      const b = PagableArc.new(Doc.of('no key'), s);
      b.unpin();
      expect(b.isPagedOut).to.equal(false);
      expect(s.pendingPagingCount()).to.equal(1);
    });

    it('pinning an Unpinned (resident) arc does no I/O', async () => {
      const a = PagableArc.new(Doc.of('u'), s);
      const first = await a.pin();
      const value = first.value;
      first.release();
      a.unpin();
      expect(a.pinnedCount).to.equal(0);
      const before = s.stats();
      const pins = [await a.pin(), a.pinSync()];
      expect(pins[0]!.value).to.equal(value);
      expect(pins[1]!.value).to.equal(value);
      expect(s.stats()).to.deep.equal(before);
    });

    it('an arc pinned again before pageOutPending is stored but stays resident', async () => {
      const a = PagableArc.new(Doc.of('again'), s);
      a.unpin();
      const pin = await a.pin();
      const report = pageOut(s);
      expect(report).to.deep.equal({ pagedOut: 0, failed: [] });
      expect(a.dataKey).to.be.a('string');
      expect(a.isPagedOut).to.equal(false);
      expect(pin.value.title).to.equal('again');
      pin.release();
      a.unpin();
      expect(a.isPagedOut).to.equal(true);
    });

    it('pendingPagingCount counts an arc once however often it was unpinned', async () => {
      const a = PagableArc.new(Doc.of('twice'), s);
      for (let i = 0; i < 5; i++) {
        a.unpin();
        (await a.pin()).release();
      }
      a.unpin();
      expect(s.pendingPagingCount()).to.equal(1);
      expect(pageOut(s).pagedOut).to.equal(1);
    });
  });

  describe('paging out frees memory', () => {
    function makeArc(storage: InMemoryPagableStorage): { arc: PagableArc<Doc>; ref: WeakRef<Doc> } {
      const doc = Doc.of('gc', 1000);
      return { arc: PagableArc.new(doc, storage), ref: new WeakRef(doc) };
    }

    it('a value held only by an unpinned arc is collectable after pageOutPending, and comes back equal on pin', async () => {
      const { arc, ref } = makeArc(s);
      await collect();
      expect(ref.deref(), 'pinned: kept').to.not.equal(undefined);

      arc.unpin();
      await collect();
      expect(ref.deref(), 'unpinned but not yet paged out: still resident').to.not.equal(undefined);
      expect(arc.isPagedOut).to.equal(false);

      expect(pageOut(s)).to.deep.equal({ pagedOut: 1, failed: [] });
      expect(arc.isPagedOut).to.equal(true);
      await collect();
      expect(ref.deref(), 'paged out: collected').to.equal(undefined);

      const pin = await arc.pin();
      const expected = Doc.of('gc', 1000);
      expect(pin.value).to.be.instanceOf(Doc);
      expect(pin.value.title).to.equal(expected.title);
      expect(pin.value.words).to.deep.equal(expected.words);
      expect(pin.value.meta).to.deep.equal(expected.meta);
    });
  });

  describe('failure isolation', () => {
    it('an un-encodable value stays resident; the others are paged out; one error names the class', () => {
      const good = [PagableArc.new(Doc.of('a'), s), PagableArc.new(Doc.of('b'), s), PagableArc.new('plain', s)];
      const bad = PagableArc.new(WithCallback.of('cb'), s);
      const more = PagableArc.new(Doc.of('c'), s);
      for (const a of [good[0]!, bad, good[1]!, good[2]!, more] as Array<PagableArc<unknown>>) a.unpin();
      expect(s.pendingPagingCount()).to.equal(5);

      const report = pageOut(s);
      expect(report.pagedOut).to.equal(4);
      expect(report.failed).to.have.length(1);
      const err = report.failed[0]!;
      expect(err).to.be.instanceOf(PagableError);
      expect(err.code).to.equal('NOT_PAGABLE');
      expect(err.message).to.contain('WithCallback');

      expect(bad.isPagedOut).to.equal(false);
      expect(bad.dataKey).to.equal(undefined);
      expect(s.pendingPagingCount()).to.equal(0);
      for (const a of [...good, more] as Array<PagableArc<unknown>>) expect(a.isPagedOut).to.equal(true);
      expect(bad.pinSync().value.name).to.equal('cb');
    });

    it('an instance of an undecorated class is reported naming the class', () => {
      const bad = PagableArc.new(new NotDecorated(1), s);
      const ok = PagableArc.new(Doc.of('ok'), s);
      bad.unpin();
      ok.unpin();
      const report = pageOut(s);
      expect(report.pagedOut).to.equal(1);
      expect(report.failed).to.have.length(1);
      expect(report.failed[0]!).to.be.instanceOf(PagableError);
      expect(report.failed[0]!.message).to.contain('NotDecorated');
      expect(bad.isPagedOut).to.equal(false);
      expect(ok.isPagedOut).to.equal(true);
      expect(s.pendingPagingCount()).to.equal(0);
    });

    it('a failing sibling does not strand a child already encoded in the same page-out', () => {
      const good = PagableArc.new(Doc.of('good'), s);
      const bad = PagableArc.new(WithCallback.of('bad'), s);
      const pair = new Pair();
      pair.good = good.clone();
      pair.bad = bad.clone();
      pair.good.unpin();
      pair.bad.unpin();
      const parent = PagableArc.new(pair, s);
      parent.unpin(); // scheduled first: its run encodes `good`, then fails on `bad`
      good.unpin();
      bad.unpin();
      const report = pageOut(s);
      expect(good.dataKey, 'good child keyed').to.be.a('string');
      expect(good.isPagedOut, 'good child paged out').to.equal(true);
      expect(bad.isPagedOut).to.equal(false);
      expect(parent.isPagedOut).to.equal(false);
      expect(parent.dataKey).to.equal(undefined);
      expect(report.pagedOut).to.equal(1);
      expect(report.failed.length).to.be.within(1, 2);
      for (const e of report.failed) expect(e.message).to.contain('WithCallback');
      expect(s.pendingPagingCount()).to.equal(0);
    });

    // BUG (core, minor): a failing arc is reported once per run that reaches it: here once through
    // its scheduled parent and once on its own, so `failed` has two identical errors for one value.
    it('a failing arc reached from a scheduled parent is reported once', () => {
      const bad = PagableArc.new(WithCallback.of('bad'), s);
      const pair = new Pair();
      pair.bad = bad.clone();
      pair.bad.unpin();
      const parent = PagableArc.new(pair, s);
      parent.unpin();
      bad.unpin();
      expect(pageOut(s).failed).to.have.length(1);
    });

    it('failed arcs leave the queue; a pin/unpin cycle after fixing the value schedules them again', () => {
      const bad = PagableArc.new(WithCallback.of('fixable'), s);
      const pair = new Pair();
      pair.bad = bad.clone();
      pair.bad.unpin();
      const parent = PagableArc.new(pair, s);
      parent.unpin();
      bad.unpin();
      expect(pageOut(s).pagedOut).to.equal(0);
      expect(s.pendingPagingCount()).to.equal(0);
      expect(pageOut(s)).to.deep.equal({ pagedOut: 0, failed: [] }); // not retried by itself

      const pin = bad.pinSync();
      pin.value.callback = undefined; // fixed (it had no key, so it may still change)
      pin.release();
      bad.unpin();
      parent.pinSync().release();
      parent.unpin();
      expect(s.pendingPagingCount()).to.equal(2);
      expect(pageOut(s)).to.deep.equal({ pagedOut: 2, failed: [] });
      expect(parent.isPagedOut).to.equal(true);
      expect(bad.isPagedOut).to.equal(true);
    });
  });

  describe('@Lazy children', () => {
    it('after load the child is PagedOut and nothing was fetched for it until pinned', async () => {
      const entry = PagableArc.new(Module.of('src/index.ts', 5), s);
      const key = await s.save(pkg('lazy', entry));
      entry.unpin();

      const f0 = s.stats().fetches;
      const back = await s.load(Package, key);
      const f1 = s.stats().fetches;
      expect(f1 - f0).to.equal(1); // the root blob only
      expect(back.entry!.isPagedOut).to.equal(true);
      expect(back.entry!.isPinned).to.equal(false);
      expect(back.entry!.pinnedCount).to.equal(0);
      expect(back.entry!.dataKey).to.equal(entry.dataKey);
      await ticks();
      expect(s.stats().fetches).to.equal(f1);

      const pin = await back.entry!.pin();
      expect(s.stats().fetches).to.equal(f1 + 1);
      expect(pin.value).to.be.instanceOf(Module);
      expect(pin.value.path).to.equal('src/index.ts');
      expect(back.entry!.isPagedOut).to.equal(false);
    });

    it('two parents sharing a lazy child come back with ptrEq arcs', async () => {
      const entry = PagableArc.new(Module.of('src/shared.ts', 9), s);
      const k1 = await s.save(pkg('one', entry));
      const k2 = await s.save(pkg('two', entry.clone()));
      entry.unpin();
      const [a, b] = [await s.load(Package, k1), await s.load(Package, k2)];
      expect(a).to.not.equal(b);
      expect(PagableArc.ptrEq(a.entry!, b.entry!)).to.equal(true);
      // And concurrently.
      const s2 = new InMemoryPagableStorage();
      try {
        const e2 = PagableArc.new(Module.of('src/shared.ts', 9), s2);
        const [j1, j2] = [await s2.save(pkg('one', e2)), await s2.save(pkg('two', e2))];
        e2.unpin();
        const [c, d] = await Promise.all([s2.load(Package, j1), s2.load(Package, j2)]);
        expect(PagableArc.ptrEq(c.entry!, d.entry!)).to.equal(true);
        const [p1, p2] = await Promise.all([c.entry!.pin(), d.entry!.pin()]);
        expect(p1.value).to.equal(p2.value);
      } finally {
        await s2.close();
      }
    });

    it('two arcs whose values share a @Shared child come back sharing it', async () => {
      const main = Dep.of('react', '18.2.0', [Dep.of('tslib')]);
      const a = PagableArc.new(pkg('a', undefined, main), s);
      const b = PagableArc.new(pkg('b', undefined, main), s);
      a.unpin();
      b.unpin();
      expect(pageOut(s)).to.deep.equal({ pagedOut: 2, failed: [] });
      const pa = await a.pin();
      const pb = await b.pin();
      expect(pa.value.name).to.equal('a');
      expect(pb.value.name).to.equal('b');
      expect(pa.value.main).to.be.instanceOf(Dep);
      expect(pa.value.main).to.equal(pb.value.main);
      expect(pa.value.main!.deps[0]).to.equal(pb.value.main!.deps[0]);
    });

    it('two arcs whose values share a @Shared child come back sharing it when pinned concurrently', async () => {
      const main = Dep.of('react', '18.2.0');
      const a = PagableArc.new(pkg('a', undefined, main), s);
      const b = PagableArc.new(pkg('b', undefined, main), s);
      a.unpin();
      b.unpin();
      pageOut(s);
      const [pa, pb] = await Promise.all([a.pin(), b.pin()]);
      expect(pa.value.main).to.equal(pb.value.main);
    });
  });

  describe('the arc cache', () => {
    async function loadTwice(storage: InMemoryPagableStorage, key: DataKey): Promise<WeakRef<Package>> {
      const a = await storage.load(Package, key);
      const b = await storage.load(Package, key);
      expect(a).to.equal(b);
      return new WeakRef(a);
    }

    it('the same blob paged in twice is the same object while alive, and is not kept alive by the cache', async () => {
      const key = await s.save(pkg('cached', undefined, Dep.of('d')));
      const ref = await loadTwice(s, key);
      const fetchesWhileCached = s.stats().fetches;
      await collect();
      expect(ref.deref(), 'the cache holds values weakly').to.equal(undefined);

      const again = await s.load(Package, key);
      expect(s.stats().fetches, 'fetched again').to.be.greaterThan(fetchesWhileCached);
      expect(again.name).to.equal('cached');
      expect(again.main!.name).to.equal('d');
      expect([...again.meta]).to.deep.equal([['license', 'MIT']]);
      expect(await s.load(Package, key)).to.equal(again);
    });

    it('a pinned arc value and a load of its key are the same object', async () => {
      const a = PagableArc.new(pkg('same', undefined), s);
      a.unpin();
      pageOut(s);
      const pin = await a.pin();
      const f = s.stats().fetches;
      expect(await s.load(Package, a.dataKey!)).to.equal(pin.value);
      expect(s.stats().fetches).to.equal(f);
    });

    it('concurrent loads of one key yield one object', async () => {
      const key = await s.save(pkg('concurrent', undefined));
      const [a, b] = await Promise.all([s.load(Package, key), s.load(Package, key)]);
      expect(a).to.equal(b);
    });
  });

  describe('single flight', () => {
    let r: RemoteStorage;
    beforeEach(() => {
      r = new RemoteStorage();
    });
    afterEach(async () => {
      await r.close();
    });

    it('concurrent pins of one paged-out arc fetch once and resolve to one object', async () => {
      const arc = PagableArc.new(Doc.of('sf', 200), r);
      arc.unpin();
      pageOut(r);
      expect(arc.isPagedOut).to.equal(true);
      r.rawFetchCalls = 0;
      const pins = await Promise.all(Array.from({ length: 20 }, () => arc.pin()));
      expect(r.rawFetchCalls).to.equal(1);
      for (const p of pins) expect(p.value).to.equal(pins[0]!.value);
      expect(arc.pinnedCount).to.equal(21);
      for (const p of pins) p.release();
      arc.unpin();
      expect(arc.isPagedOut).to.equal(true);
    });

    it('a pin of an arc whose blob is absent rejects every waiter with the same PagableError; a later pin after re-storing succeeds', async () => {
      const arc = PagableArc.new(Doc.of('lost', 20), r);
      arc.unpin();
      pageOut(r);
      const key = arc.dataKey!;
      const blob = await r.fetchData(key);
      r.lose(key);
      r.rawFetchCalls = 0;

      const results = await Promise.allSettled(Array.from({ length: 8 }, () => arc.pin()));
      expect(r.rawFetchCalls).to.equal(1);
      const reasons = results.map((x) => {
        expect(x.status).to.equal('rejected');
        return (x as PromiseRejectedResult).reason as unknown;
      });
      for (const e of reasons) expect(e).to.equal(reasons[0]);
      expect(reasons[0]).to.be.instanceOf(PagableError);
      expect((reasons[0] as PagableError).code).to.equal('NOT_FOUND');
      expect((reasons[0] as PagableError).message).to.contain(key);
      expect(arc.isPagedOut).to.equal(true);
      expect(arc.isPinned).to.equal(false);
      expect(arc.pinnedCount).to.equal(0);

      expect(await r.storeData(blob)).to.equal(key);
      const pin = await arc.pin();
      expect(pin.value.title).to.equal('lost');
      expect(arc.pinnedCount).to.equal(2);
    });

    it('the same with the in-memory storage, its blob removed by gc()', async () => {
      const arc = PagableArc.new(Doc.of('gone'), s);
      arc.unpin();
      pageOut(s);
      const key = arc.dataKey!;
      const blob = await s.fetchData(key);
      // No roots: everything goes, the Doc and its two schema blobs (its set, Doc's class schema).
      expect((await s.gc()).freedBlobs).to.equal(3);
      const errs = await Promise.all([arc.pin(), arc.pin(), arc.pin()].map((p) => expectError(p, 'NOT_FOUND')));
      expect(errs[1]).to.equal(errs[0]);
      expect(errs[2]).to.equal(errs[0]);
      expect(arc.isPagedOut).to.equal(true);
      expectThrows(() => arc.pinSync(), 'NOT_FOUND');
      expect(arc.pinnedCount).to.equal(0);
      await s.storeData(blob);
      expect(arc.pinSync().value.title).to.equal('gone');
    });

    it('after close(), pins reject with STORAGE_CLOSED and the arc stays PagedOut', async () => {
      const arc = PagableArc.new(Doc.of('closed'), r);
      arc.unpin();
      pageOut(r);
      await r.close();
      await Promise.all([arc.pin(), arc.pin()].map((p) => expectError(p, 'STORAGE_CLOSED')));
      expect(arc.isPagedOut).to.equal(true);
      expect(arc.pinnedCount).to.equal(0);
    });
  });

  describe('using', () => {
    it('`using pin = await arc.pin()` releases at scope end', async () => {
      const arc = PagableArc.new(Doc.of('scoped'), s);
      arc.unpin();
      let seen: PinnedPagableArc<Doc> | undefined;
      {
        using pin = await arc.pin();
        seen = pin;
        expect(pin.value.title).to.equal('scoped');
        expect(arc.pinnedCount).to.equal(2);
      }
      expect(seen.isReleased).to.equal(true);
      expect(arc.pinnedCount).to.equal(1);
      arc.unpin();
      expect(arc.pinnedCount).to.equal(0);
    });

    it('releases when the scope exits by an exception', async () => {
      const arc = PagableArc.new(Doc.of('thrown'), s);
      arc.unpin();
      pageOut(s);
      const read = async (): Promise<string> => {
        using pin = await arc.pin();
        arc.unpin(); // only the `using` pin keeps it now
        if (pin.value.title === 'thrown') throw new Error('boom');
        return pin.value.title;
      };
      let caught: unknown;
      try {
        await read();
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).to.equal('boom');
      expect(arc.pinnedCount).to.equal(0);
      expect(arc.isPagedOut).to.equal(true); // it has a key: released means paged out
    });
  });

  describe('pinSync', () => {
    it('on a storage that cannot fetch synchronously is IO mentioning pin(), and changes nothing', async () => {
      const ns = new NoSyncFetchStorage();
      try {
        const arc = PagableArc.new(Doc.of('async only'), ns);
        arc.unpin();
        pageOut(ns);
        const err = expectThrows(() => arc.pinSync(), 'IO');
        expect(err.message).to.contain('pin()');
        expect(arc.isPagedOut).to.equal(true);
        expect(arc.isPinned).to.equal(false);
        expect(arc.pinnedCount).to.equal(0);
        const pin = await arc.pin();
        expect(pin.value.title).to.equal('async only');
        // Resident now: pinSync needs no fetch.
        expect(arc.pinSync().value).to.equal(pin.value);
      } finally {
        await ns.close();
      }
    });

    it('on a test backend without rawFetchSync is IO too', () => {
      const r = new RemoteStorage();
      const arc = PagableArc.new(Doc.of('remote'), r);
      arc.unpin();
      pageOut(r);
      expect(expectThrows(() => arc.pinSync(), 'IO').message).to.contain('pin()');
    });

    it('pages in synchronously on the in-memory storage', () => {
      const arc = PagableArc.new(Doc.of('sync'), s);
      arc.unpin();
      pageOut(s);
      const pin = arc.pinSync();
      expect(pin.value.title).to.equal('sync');
      expect(arc.isPinned).to.equal(true);
      expect(arc.pinnedCount).to.equal(2);
    });
  });

  describe('dev mode: freeze', () => {
    it('deep-freezes values once they have a key (save, page-out, page-in)', async () => {
      const fs = new InMemoryPagableStorage({ freeze: true });
      try {
        const doc = Doc.of('frozen');
        const arc = PagableArc.new(doc, fs);
        doc.title = 'still mutable'; // no key yet
        expect(Object.isFrozen(doc)).to.equal(false);
        await fs.save(arc);
        expect(Object.isFrozen(doc)).to.equal(true);
        expect(Object.isFrozen(doc.words)).to.equal(true);
        expect(Object.isFrozen(doc.meta.tags)).to.equal(true);
        expect(() => {
          doc.title = 'x';
        }).to.throw(TypeError);
        expect(() => {
          doc.words.push('x');
        }).to.throw(TypeError);
        expect(() => {
          doc.meta.author = 'x';
        }).to.throw(TypeError);
        expect(doc.title).to.equal('still mutable');

        arc.unpin();
        expect(arc.isPagedOut).to.equal(true);
        const pin = await arc.pin();
        expect(Object.isFrozen(pin.value)).to.equal(true);
        expect(() => {
          pin.value.meta.tags[0] = 'x';
        }).to.throw(TypeError);

        const other = PagableArc.new(Doc.of('paged'), fs);
        const first = await other.pin();
        const held = first.value;
        first.release();
        other.unpin();
        expect(s.pendingPagingCount()).to.equal(0);
        expect(fs.pendingPagingCount()).to.equal(1);
        const pinAgain = await other.pin(); // pinned again before the page-out: keyed but resident
        pageOut(fs);
        expect(other.dataKey).to.be.a('string');
        expect(pinAgain.value).to.equal(held);
        expect(Object.isFrozen(held)).to.equal(true);
      } finally {
        await fs.close();
      }
    });

    it('a frozen value still lets its lazy children be pinned', async () => {
      const fs = new InMemoryPagableStorage({ freeze: true });
      try {
        const child = PagableArc.new(UNodeData.of(5), fs);
        const parent = PagableArc.new(CfgNodeData.of(child, []), fs);
        child.unpin();
        parent.unpin();
        pageOut(fs);
        const pin = await parent.pin();
        expect(Object.isFrozen(pin.value)).to.equal(true);
        const c = await pin.value.node.pin();
        expect(c.value.x).to.equal(5);
        expect(pin.value.node.isPinned).to.equal(true);
      } finally {
        await fs.close();
      }
    });

    it('is off by default', async () => {
      const arc = PagableArc.new(Doc.of('thawed'), s);
      arc.unpin();
      pageOut(s);
      const pin = await arc.pin();
      expect(Object.isFrozen(pin.value)).to.equal(false);
    });
  });

  describe('a 100,000-arc graph', function () {
    this.timeout(120_000);
    const N = 100_000;

    function build(storage: InMemoryPagableStorage): PagableArc<Catalog> {
      const items = new Array<PagableArc<Item>>(N);
      for (let i = 0; i < N; i++) {
        const a = PagableArc.new(Item.of(i), storage);
        a.unpin();
        items[i] = a;
      }
      return PagableArc.new(Catalog.of('big', items), storage);
    }

    it('pages out all unpinned arcs, frees most of the heap, and pins back 50-way concurrently', async () => {
      await collect();
      const base = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const root = build(s);
      const buildMs = performance.now() - t0;
      await collect();
      const built = process.memoryUsage().heapUsed;
      expect(s.pendingPagingCount()).to.equal(N);

      root.unpin();
      const t1 = performance.now();
      const report = pageOut(s);
      const pageOutMs = performance.now() - t1;
      expect(report.failed).to.deep.equal([]);
      expect(report.pagedOut).to.equal(N + 1);
      expect(root.isPagedOut).to.equal(true);
      expect(s.pendingPagingCount()).to.equal(0);
      await collect();
      const after = process.memoryUsage().heapUsed;

      const graph = built - base;
      const freed = built - after;
      console.log(
        `      100k arcs: heap ${mb(base)} MB empty, ${mb(built)} MB built (graph ${mb(graph)} MB), ` +
          `${mb(after)} MB after page-out: freed ${mb(freed)} MB = ${((freed / graph) * 100).toFixed(0)}% of the graph; ` +
          `build ${buildMs.toFixed(0)} ms, pageOutPending ${pageOutMs.toFixed(0)} ms; ` +
          `${s.stats().blobs} blobs, ${mb(s.stats().bytes)} MB stored (off-heap), ` +
          `${((after - base) / (N + 1)).toFixed(0)} B of heap left per arc (the in-memory store's blob records)`,
      );
      expect(graph).to.be.greaterThan(20 * 1048576);
      expect(freed).to.be.at.least(0.5 * graph);

      const f = s.stats().fetches;
      const t2 = performance.now();
      const pins = await Promise.all(Array.from({ length: 50 }, () => root.pin()));
      const pinMs = performance.now() - t2;
      console.log(
        `      50-way concurrent pin of the paged-out root (100k lazy children): ${pinMs.toFixed(1)} ms, ` +
          `${s.stats().fetches - f} fetch(es), heap ${mb(process.memoryUsage().heapUsed)} MB`,
      );
      expect(s.stats().fetches - f).to.equal(1);
      for (const p of pins) expect(p.value).to.equal(pins[0]!.value);
      expect(root.pinnedCount).to.equal(51);
      const cat = pins[0]!.value;
      expect(cat.items.length).to.equal(N);
      expect(cat.items[12345]!.isPagedOut).to.equal(true);
      const item = await cat.items[12345]!.pin();
      expect(item.value.title).to.equal(Item.of(12345).title);
      expect(item.value.scores).to.deep.equal(Item.of(12345).scores);
      for (const p of pins) p.release();
      item.release();
    });
  });
});
