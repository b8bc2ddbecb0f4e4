/*
 * An arc's inner leaves its kind's `live` table when it goes back to PagedOut for good: after a
 * value is dropped, after a synchronous page-in fails, and when a stand-in inner dies. The table is
 * what every handle on a key meets; an inner left in it would be held for the life of the storage
 * (a leak per arc ever used), and a failed one would stand where the next pin must start afresh.
 */
import { expect } from 'chai';
import { Field, Lazy, MemoryBlobStore, Pagable, PagableArc, PagableStorageBase } from '../../src/index.js';
import { hostOf } from '../../src/arc/arc-host.js';
import { rootOf } from '../../src/metadata/class-meta.js';
import { expectError } from '../support/expect-error.js';
import { heapUsed } from '../support/heap.js';

@Pagable({ name: 'arc-inner.Leaf' })
class Leaf {
  @Field() n = 0;
}

@Pagable({ name: 'arc-inner.Tree' })
class Tree {
  @Lazy(() => [Leaf]) leaves: PagableArc<Leaf>[] = [];
}

/** A storage holding a tree of `n` lazy leaves, loaded; its store; the live table of Leaf arcs. */
async function loadedTree(n: number): Promise<{ store: MemoryBlobStore; s: PagableStorageBase; tree: Tree; live: Map<string, unknown> }> {
  const store = new MemoryBlobStore();
  const writer = new PagableStorageBase(store);
  const tree = new Tree();
  for (let i = 0; i < n; i++) tree.leaves.push(PagableArc.new(Object.assign(new Leaf(), { n: i }), writer));
  const key = await writer.save(tree);
  const s = new PagableStorageBase(store);
  const loaded = await s.load(Tree, key);
  return { store, s, tree: loaded, live: hostOf(s).kindFor(rootOf(Leaf)).live };
}

describe('ArcInner in its kind’s live table', () => {
  it('is there while pinned and gone once its value is dropped', async () => {
    const { tree, live } = await loadedTree(3);
    expect(live.size).to.equal(0);
    const pin = tree.leaves[1]!.borrowSync();
    expect(pin.value.n).to.equal(1);
    expect(live.size).to.equal(1);
    pin.release();
    expect(tree.leaves[1]!.isPagedOut).to.equal(true);
    expect(live.size).to.equal(0);
  });

  it('is gone after a synchronous page-in fails, and the next pin starts afresh', async () => {
    const { store, tree, live } = await loadedTree(2);
    const key = tree.leaves[0]!.dataKey!;
    const [blob] = await store.getMany([key]);
    await store.deleteMany([key]);
    await expectError(
      Promise.resolve().then(() => tree.leaves[0]!.pinSync()),
      'NOT_FOUND',
    );
    expect(live.size).to.equal(0);
    await store.putMany([{ key, data: blob! }]);
    const pin = tree.leaves[0]!.borrowSync();
    expect(pin.value.n).to.equal(0);
    pin.release();
    expect(live.size).to.equal(0);
  });

  it('stays out of the table for every one of many arcs used once', async () => {
    const { tree, live } = await loadedTree(200);
    for (const leaf of tree.leaves) leaf.borrowSync().release();
    expect(live.size).to.equal(0);
  });
});

describe('ArcInner’s list of attached handles', function () {
  this.timeout(60_000);

  // An arc made from a value lists its unpinned handles weakly, to move them to kind + key when it
  // gets its key. Clones dropped one after another must not grow that list for the arc's whole life:
  // 200k WeakRefs kept would be ~4 MB for one arc.
  it('forgets the handles that were collected, so dropped clones cost nothing for long', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const arc = PagableArc.new(Object.assign(new Leaf(), { n: 1 }), s);
    arc.unpin();
    const before = await heapUsed();
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 5000; i++) arc.clone();
      await heapUsed();
    }
    const grown = (await heapUsed()) - before;
    expect(grown, `heap grew by ${grown} bytes`).to.be.below(1_500_000);
    // The arc still works: its handles (the survivors included) move to kind + key at page-out.
    const kept = arc.clone();
    expect(await s.pageOutPending()).to.deep.equal({ pagedOut: 1, failed: [] });
    expect(kept.isPagedOut && arc.isPagedOut).to.equal(true);
    expect(PagableArc.ptrEq(kept, arc)).to.equal(true);
  });
});
