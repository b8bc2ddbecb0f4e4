/*
 * One page-out writes each blob once: what two values of a graph share (a class schema blob used
 * by two schema sets, equal content) reaches the store once, so a first save into an empty storage
 * counts no dedup hit, whatever the store. A finished page-out keeps nothing of the graph alive.
 */
import { expect } from 'chai';
import {
  type BlobEntry,
  Field,
  InMemoryPagableStorage,
  MemoryBlobStore,
  Pagable,
  PagableArc,
  type PageOutReport,
  PagableStorageBase,
  Shared,
  delegating,
} from '../../src/index.js';
import { samplePackage } from '../../src/testing/index.js';
import { expectError } from '../support/expect-error.js';

@Pagable()
class Leaf {
  @Field() s = '';
}

@Pagable()
class Pair {
  @Shared(() => Leaf) a!: Leaf;
  @Shared(() => Leaf) b!: Leaf;
}

/** Three classes in a ring of @Shared fields, so a cycle's path names each step. */
@Pagable()
class RingA {
  @Field() n = 0;
  @Shared(() => RingB) b: RingB | undefined;
}
@Pagable()
class RingB {
  @Shared(() => RingC) c: RingC | undefined;
}
@Pagable()
class RingC {
  @Shared(() => RingA) a: RingA | undefined;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Saves a pair whose two fields hold one leaf; a WeakRef to the leaf (a function of its own, so no register holds it). */
async function savedLeaf(s: InMemoryPagableStorage): Promise<WeakRef<Leaf>> {
  const leaf = Object.assign(new Leaf(), { s: 'x'.repeat(100) });
  await s.save(Object.assign(new Pair(), { a: leaf, b: leaf }));
  return new WeakRef(leaf);
}

describe('page-out writes each blob once', () => {
  it('a finished save keeps no value of the graph alive (the run kept for the next save is emptied)', async function () {
    if (gc === undefined) return this.skip();
    const s = new InMemoryPagableStorage();
    const ref = await savedLeaf(s);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    expect(ref.deref()).to.equal(undefined);
  });

  it('a first save into an empty storage counts no dedup hit (schema blobs shared by schema sets)', async () => {
    const s = new InMemoryPagableStorage();
    await s.save(samplePackage(s));
    const st = s.stats();
    expect(st.stores).to.be.greaterThan(0);
    expect(st.dedupHits).to.equal(0);
    expect(st.blobs).to.equal(st.stores);
  });

  it('the same through a store with BlobStore methods only', async () => {
    const written: string[] = [];
    const inner = new MemoryBlobStore();
    const store = delegating(inner, {
      putMany: (entries: readonly BlobEntry[]) => {
        for (const e of entries) written.push(e.key);
        return inner.putMany(entries);
      },
    });
    const s = new PagableStorageBase(store);
    await s.save(samplePackage(s));
    expect(new Set(written).size).to.equal(written.length);
    expect(s.stats().dedupHits).to.equal(0);
  });

  it('a cycle through arc fields is CYCLE naming its path in order, from save() and from a page-out; the arc stays resident', async () => {
    const s = new InMemoryPagableStorage();
    const a = new RingA();
    const b = Object.assign(new RingB(), { c: Object.assign(new RingC(), { a }) });
    a.b = b;
    const path = 'RingA.b -> RingB.c -> RingC.a leads back';
    expect((await expectError(s.save(a), 'CYCLE')).message).to.contain(path);
    expect((await expectError(s.save(b), 'CYCLE')).message).to.contain('RingB.c -> RingC.a -> RingA.b leads back');
    const arc = PagableArc.new(a, s);
    arc.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.pagedOut).to.equal(0);
    expect(report.failed.map((e) => [e.code, e.message.includes('RingB.c -> RingC.a -> RingA.b leads back')])).to.deep.equal([
      ['CYCLE', true],
    ]);
    expect(arc.isPagedOut).to.equal(false);
    expect(s.stats().blobs).to.equal(0);
    // Once the ring is cut, the same objects save.
    (b.c as RingC).a = undefined;
    expect(await s.save(a)).to.be.a('string');
  });

  it('a store may keep the data arrays it is given: a later save does not change what an earlier one wrote', async () => {
    // A custom backend over a Map, keeping each entry's bytes as handed to it (no copy).
    const kept = new Map<string, BlobEntry['data']>();
    const inner = new MemoryBlobStore();
    const store = delegating(inner, {
      putMany: (entries: readonly BlobEntry[]) => {
        for (const e of entries) if (!kept.has(e.key)) kept.set(e.key, e.data);
        return inner.putMany(entries);
      },
    });
    const s = new PagableStorageBase(store);
    const first = await s.save(samplePackage(s));
    const bytes = new Map([...kept].map(([k, d]) => [k, Buffer.from(d.data).toString('hex')]));
    for (let i = 0; i < 3; i++)
      await s.save(Object.assign(new Pair(), { a: Object.assign(new Leaf(), { s: `later ${i}` }), b: new Leaf() }));
    for (const [k, hex] of bytes) expect(Buffer.from(kept.get(k)!.data).toString('hex'), `blob ${k}`).to.equal(hex);
    expect(first).to.be.a('string');
  });
});
