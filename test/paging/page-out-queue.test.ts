/*
 * The page-out queue as a user sees it through the storage: arcs are written in the order they
 * were queued, `pendingPagingCount()` counts only arcs that still need writing, a page-out that
 * awaits its writes leaves arcs queued meanwhile to the next one (it does not chase a producer),
 * and closing the storage while a page-out writes ends it cleanly.
 */
import { expect } from 'chai';
import { type BlobEntry, Lazy, MemoryBlobStore, Pagable, PagableArc, PagableStorageBase, delegating } from '../../src/index.js';
import { BATCH_BYTES } from '../../src/paging/page-out-batches.js';
import { Page, page } from '../support/documents.js';
import { pausable } from '../support/pausable-store.js';

const KB = 1024;
/** Pages of this size fill a batch with a few of them. */
const SIZE = 300 * KB;
/** Pages that fill more than two batches. */
const N = Math.ceil((2.5 * BATCH_BYTES) / SIZE);

@Pagable()
class Shelf {
  @Lazy(() => Page) first!: PagableArc<Page>;
}

function queued(storage: PagableStorageBase, from: number, n: number, size = SIZE): Array<PagableArc<Page>> {
  return Array.from({ length: n }, (_, i) => {
    const a = PagableArc.new(page(from + i, size), storage);
    a.unpin();
    return a;
  });
}

/** The page ids of the page blobs written, in the order the store received them (decoded by a second storage). */
async function writtenIds(calls: BlobEntry[][]): Promise<number[]> {
  const reader = new PagableStorageBase(new MemoryBlobStore());
  const big = calls.flat().filter((e) => e.data.data.length >= SIZE);
  await reader.blobStore.putMany(calls.flat());
  const ids: number[] = [];
  for (const e of big) ids.push((await reader.load(Page, e.key)).id);
  await reader.close();
  return ids;
}

describe('page-out queue', () => {
  it('writes arcs first queued, first written, across batches', async () => {
    const calls: BlobEntry[][] = [];
    const inner = new MemoryBlobStore();
    const store = delegating(inner, {
      putMany: (entries) => {
        calls.push([...entries]);
        return inner.putMany(entries);
      },
    });
    const s = new PagableStorageBase(store);
    const ids = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? N - 1 - i : i));
    for (const id of ids) PagableArc.new(page(id, SIZE), s).unpin();
    expect((await s.pageOutPending()).pagedOut).to.equal(ids.length);
    expect(calls.length).to.be.at.least(2);
    expect(await writtenIds(calls)).to.deep.equal(ids);
    await s.close();
  });

  it('nothing queued: pageOutPending() writes nothing and reports nothing', async () => {
    let writes = 0;
    const inner = new MemoryBlobStore();
    const s = new PagableStorageBase(
      delegating(inner, {
        putMany: (entries) => {
          writes++;
          return inner.putMany(entries);
        },
      }),
    );
    expect(await s.pageOutPending()).to.deep.equal({ pagedOut: 0, failed: [] });
    queued(s, 0, 1, 10);
    await s.pageOutPending();
    expect(writes).to.equal(1);
    expect(await s.pageOutPending()).to.deep.equal({ pagedOut: 0, failed: [] });
    expect(writes).to.equal(1);
    await s.close();
  });

  it('pendingPagingCount() leaves out a queued arc that another save stored meanwhile, pinned or not', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const [loose, pinned] = queued(s, 0, 2, 10);
    expect(s.pendingPagingCount()).to.equal(2);
    const shelves = [loose!, pinned!].map((a) => Object.assign(new Shelf(), { first: a.clone() }));
    const pin = await pinned!.borrow();
    for (const shelf of shelves) await s.save(shelf);
    expect(loose!.dataKey).to.not.equal(undefined);
    expect(pinned!.dataKey).to.not.equal(undefined);
    expect(pinned!.isPagedOut).to.equal(false);
    expect(s.pendingPagingCount()).to.equal(0);
    pin.release();
    expect((await s.pageOutPending()).pagedOut).to.equal(0);
    expect([loose!.state, pinned!.state, loose!.pinnedCount, pinned!.pinnedCount]).to.deep.equal(['PagedOut', 'PagedOut', 0, 0]);
    await s.close();
  });

  it('a page-out awaiting its write leaves arcs queued meanwhile to the next page-out', async () => {
    const p = pausable(new MemoryBlobStore());
    const s = new PagableStorageBase(p.store);
    const early = queued(s, 0, N);
    const held = p.pauseAt('putMany', 1);
    const running = s.pageOutPending();
    await held.reached;
    const late = queued(s, 1000, 3, 10);
    held.release();
    const report = await running;
    // The later batches were written synchronously: only the arcs queued before the await are this page-out's.
    expect(p.calls.get('putMany')).to.be.at.least(3);
    expect(report).to.deep.equal({ pagedOut: N, failed: [] });
    expect(early.every((a) => a.isPagedOut)).to.equal(true);
    expect(late.some((a) => a.isPagedOut)).to.equal(false);
    expect(s.pendingPagingCount()).to.equal(3);
    expect((await s.pageOutPending()).pagedOut).to.equal(3);
    await s.close();
  });

  it('closing the storage while a page-out writes: it ends after that batch, the rest stays resident and nothing is pending', async () => {
    for (const async of [false, true]) {
      // A backend whose writes in flight complete after close (as a network store's may).
      const p = pausable(delegating(new MemoryBlobStore(), { close: () => undefined }), { async });
      const s = new PagableStorageBase(p.store);
      const arcs = queued(s, 0, N);
      const held = p.pauseAt('putMany', 1);
      const running = Promise.resolve(s.pageOutPending());
      await held.reached;
      const closing = s.close();
      held.release();
      const report = await running;
      await closing;
      const written = arcs.filter((a) => a.isPagedOut).length;
      expect(report, `async ${async}`).to.deep.equal({ pagedOut: written, failed: [] });
      expect(written).to.be.within(1, N - 1);
      expect(p.calls.get('putMany')).to.equal(1);
      expect(s.pendingPagingCount()).to.equal(0);
      expect(arcs.filter((a) => !a.isPagedOut).every((a) => a.state === 'Unpinned')).to.equal(true);
    }
  });

  it('a long queue (thousands of small arcs) is written whole, in order, with nothing left pending', async () => {
    const calls: BlobEntry[][] = [];
    const inner = new MemoryBlobStore();
    const s = new PagableStorageBase(
      delegating(inner, {
        putMany: (entries) => {
          calls.push([...entries]);
          return inner.putMany(entries);
        },
      }),
    );
    const n = 3000;
    const arcs = queued(s, 0, n, 1);
    expect((s.pageOutPending() as { pagedOut: number }).pagedOut).to.equal(n);
    expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    expect(s.pendingPagingCount()).to.equal(0);
    const keys = calls.flat().map((e) => e.key);
    const at = arcs.map((a) => keys.indexOf(a.dataKey!));
    expect(at.every((k, i) => i === 0 || k > at[i - 1]!)).to.equal(true);
    await s.close();
  });
});
