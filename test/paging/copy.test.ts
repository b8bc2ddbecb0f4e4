import { expect } from 'chai';
import { type DataKey, delegating, Lazy, MemoryBlobStore, Pagable, PagableArc, PagableStorageBase } from '../../src/index.js';
import { Branch, branch, Holder, keysOf } from '../support/gc-models.js';

/*
 * Saving a graph that holds arcs bound to other storages copies their blobs, with everything
 * below them, into the storage saved to: it must load there on its own once the others are gone,
 * reading the other storages only, each blob at most once, and none already present.
 */

@Pagable()
class Pair {
  @Lazy(() => Branch) a!: PagableArc<Branch>;
  @Lazy(() => Branch) b!: PagableArc<Branch>;
}

@Pagable()
class Outer {
  @Lazy(() => Holder) holder!: PagableArc<Holder>;
  @Lazy(() => Branch) other!: PagableArc<Branch>;
}

/** A storage whose blob reads are counted by key. */
function counted(): { s: PagableStorageBase; reads: Map<DataKey, number>; store: MemoryBlobStore } {
  const store = new MemoryBlobStore();
  const reads = new Map<DataKey, number>();
  const note = (ks: readonly DataKey[]): void => {
    for (const k of ks) reads.set(k, (reads.get(k) ?? 0) + 1);
  };
  const s = new PagableStorageBase(
    delegating(store, {
      getMany: (ks) => {
        note(ks);
        return store.getMany(ks);
      },
      getSync: (k) => {
        note([k]);
        return store.getSync(k);
      },
    }),
  );
  return { s, reads, store };
}

/** An arc of `value` in `s`, paged out there (PagedOut, with its key). */
async function pagedOut<T>(value: T, s: PagableStorageBase): Promise<PagableArc<T>> {
  const arc = PagableArc.new(value, s);
  arc.unpin();
  await s.pageOutPending();
  expect(arc.state).to.equal('PagedOut');
  return arc;
}

describe('saving arcs of other storages', () => {
  it('copies the arc blobs and every blob below them; the copy loads with the source closed, which is left as it was', async () => {
    const src = counted();
    const dstStore = new MemoryBlobStore();
    const dst = new PagableStorageBase(dstStore);
    const holderArc = await pagedOut(Object.assign(new Holder(), { tag: 'h', branch: await pagedOut(branch(1), src.s) }), src.s);
    const other = await pagedOut(branch(2), src.s);
    const srcKeys = (await keysOf(src.store)).sort();
    src.reads.clear();
    const key = await dst.save(Object.assign(new Outer(), { holder: holderArc, other }));
    const copied = await dst.fetchData(key);
    expect(copied.arcs).to.include(holderArc.dataKey);
    // Everything the source holds (both graphs) is below the saved graph, so all of it was copied.
    const dstKeys = await keysOf(dstStore);
    expect(dstKeys).to.include.members(srcKeys);
    for (const k of srcKeys) expect((await dst.fetchData(k)).data).to.deep.equal((await src.s.fetchData(k)).data);
    // Each source blob was read once for the copy (fetchData above read them again: subtract those).
    const copyReads = [...src.reads.values()].map((n) => n - 1);
    expect(Math.max(...copyReads)).to.equal(1);
    expect((await keysOf(src.store)).sort()).to.deep.equal(srcKeys);
    await src.s.close();

    const outer = await dst.load(Outer, key);
    const holder = await outer.holder.pin();
    expect(holder.value.tag).to.equal('h');
    const b1 = await holder.value.branch.pin();
    expect([b1.value.n, b1.value.leaf.n]).to.deep.equal([1, 1]);
    const b2 = await outer.other.pin();
    expect([b2.value.n, b2.value.leaf.n]).to.deep.equal([2, 2]);
    await dst.close();
  });

  it('reads nothing from the source for blobs already in the destination', async () => {
    const src = counted();
    const dst = new PagableStorageBase(new MemoryBlobStore());
    const arc = await pagedOut(branch(3), src.s);
    await dst.save(branch(3)); // the same content: the same blobs
    src.reads.clear();
    const key = await dst.save(Object.assign(new Holder(), { tag: 'again', branch: arc }));
    expect([...src.reads.keys()]).to.deep.equal([]);
    await src.s.close();
    const h = await dst.load(Holder, key);
    expect((await h.branch.pin()).value.leaf.n).to.equal(3);
    await dst.close();
  });

  it('copies a blob shared by several arcs, or named twice, once', async () => {
    const src = counted();
    const dst = new PagableStorageBase(new MemoryBlobStore());
    const one = await pagedOut(branch(4), src.s);
    // Another branch with the same leaf content: the leaf blob is below both.
    const two = await pagedOut(Object.assign(new Branch(), { n: 5, leaf: branch(4).leaf }), src.s);
    src.reads.clear();
    const key = await dst.save(Object.assign(new Pair(), { a: one, b: one.clone() }));
    const key2 = await dst.save(Object.assign(new Pair(), { a: two, b: one }));
    expect(Math.max(...src.reads.values())).to.equal(1);
    await src.s.close();
    const p = await dst.load(Pair, key2);
    expect((await p.a.pin()).value.leaf.n).to.equal(4);
    expect((await (await dst.load(Pair, key)).b.pin()).value.n).to.equal(4);
    await dst.close();
  });

  it('copies from several source storages in one save', async () => {
    const a = counted();
    const b = counted();
    const dst = new PagableStorageBase(new MemoryBlobStore());
    const key = await dst.save(Object.assign(new Pair(), { a: await pagedOut(branch(6), a.s), b: await pagedOut(branch(7), b.s) }));
    await a.s.close();
    await b.s.close();
    const p = await dst.load(Pair, key);
    expect((await p.a.pin()).value.leaf.n).to.equal(6);
    expect((await p.b.pin()).value.leaf.n).to.equal(7);
    await dst.close();
  });
});
