/*
 * autoPageOut in process, with an injected heap probe so the heap budget is driven exactly:
 * option checks, each threshold, the page-out on the caller's stack past heapUsedLimit, drain(),
 * recovery after failures, and close(). Waits are for events (a page-out, the timer having looked),
 * with a generous deadline; nothing here is timed.
 */
import { expect } from 'chai';
import {
  type BlobStore,
  InMemoryPagableStorage,
  MemoryBlobStore,
  PagableArc,
  PagableError,
  PagableStorageBase,
  type PageOutReport,
  type StorageOptions,
  delegating,
} from '../../src/index.js';
import { RECLAIM_STEP } from '../../src/paging/auto-page-out.js';
import { type Page, page } from '../support/documents.js';
import { expectError } from '../support/expect-error.js';
import { faulty } from '../support/faulty-store.js';
import { pausable } from '../support/pausable-store.js';

const MB = 1024 * 1024;
const LIMIT = 100 * MB;

/** A heap the test sets (`used`, or `read` for a figure that changes by itself), counting the looks. */
class Heap {
  used = LIMIT / 2;
  read = (): number => this.used;
  reads = 0;
  readonly probe = (): number => {
    this.reads++;
    return this.read();
  };
}

/** Resolves once `cond()` holds; fails after 10 s (an event that never came, not a slow one). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) expect.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A memory store that cannot write synchronously, as Redis cannot. */
function asyncWrites(): BlobStore {
  return delegating(new MemoryBlobStore(), { name: 'memory without synchronous writes', putManySync: undefined });
}

function queued(storage: PagableStorageBase, n: number, bytes = 100, from = 0): Array<PagableArc<Page>> {
  const arcs: Array<PagableArc<Page>> = [];
  for (let i = 0; i < n; i++) {
    const a = PagableArc.new(page(from + i, bytes), storage);
    a.unpin();
    arcs.push(a);
  }
  return arcs;
}

describe('autoPageOut', () => {
  const open: PagableStorageBase[] = [];
  const storage = (options: StorageOptions, store: BlobStore = new MemoryBlobStore()): PagableStorageBase => {
    const s = new PagableStorageBase(store, options);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  /** Lets the timer look at the heap while arcs wait, calls `stop`, and checks that it looks no more. */
  const stopsLooking = async (stop: (s: PagableStorageBase) => unknown): Promise<void> => {
    const heap = new Heap();
    const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } });
    queued(s, 2);
    await until(() => heap.reads >= 3, 'the timer looking at the heap');
    await stop(s);
    await new Promise((r) => setTimeout(r, 5));
    const reads = heap.reads;
    await new Promise((r) => setTimeout(r, 30));
    expect(heap.reads).to.equal(reads);
  };

  describe('options', () => {
    for (const name of ['maxPending', 'heapUsedLimit', 'intervalMs'] as const) {
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
        it(`${name}: ${String(bad)} is INVALID_ARGUMENT naming the option`, async () => {
          const e = await expectError(() => new InMemoryPagableStorage({ autoPageOut: { [name]: bad as number } }), 'INVALID_ARGUMENT');
          expect(e.message).to.contain(`autoPageOut.${name}`);
        });
      }
      it(`${name}: 0 is accepted`, async () => {
        await new InMemoryPagableStorage({ autoPageOut: { [name]: 0 } }).close();
      });
    }
    it('probe: anything but a function is INVALID_ARGUMENT naming it', async () => {
      const e = await expectError(
        () => new InMemoryPagableStorage({ autoPageOut: { probe: 5 as unknown as () => number } }),
        'INVALID_ARGUMENT',
      );
      expect(e.message).to.contain('autoPageOut.probe');
    });
  });

  describe('maxPending', () => {
    it("waits until more than maxPending arcs wait, then pages out on a later turn, not on the caller's stack", async () => {
      const reports: PageOutReport[] = [];
      const s = storage({ autoPageOut: { maxPending: 3 }, onPageOut: (r) => reports.push(r) });
      const arcs = queued(s, 3);
      await turns(5);
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      expect(reports).to.have.length(0);
      arcs.push(...queued(s, 1, 100, 3));
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      await until(() => arcs.every((a) => a.isPagedOut), 'the page-out');
      expect(reports).to.deep.equal([{ pagedOut: 4, failed: [] }]);
      expect(s.stats()).to.include({ autoPageOuts: 1, autoPagedOut: 4, autoReclaims: 0 });
    });
  });

  describe('heapUsedLimit, with an injected heap probe', () => {
    it("without a probe it reads this process's heap: past a 1-byte limit, the first arc queued pages out at once", async () => {
      const s = storage({ autoPageOut: { heapUsedLimit: 1 } });
      const arcs = queued(s, 3);
      expect(arcs[0]!.isPagedOut).to.equal(true);
      expect(s.stats().autoReclaims).to.equal(1);
      await s.drain();
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    });

    it('under the limit nothing pages out, though the heap is looked at while arcs wait', async () => {
      const heap = new Heap();
      heap.used = LIMIT;
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } });
      const arcs = queued(s, 2);
      const seen = heap.reads;
      await until(() => heap.reads >= seen + 5, 'the timer to look at the heap');
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      expect(s.stats().autoPageOuts).to.equal(0);
    });

    it('the timer sees the heap pass the limit while arcs wait, with no arc queued since', async () => {
      const heap = new Heap();
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } });
      const arcs = queued(s, 2);
      await turns(3);
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      heap.used = LIMIT + 1;
      await until(() => arcs.every((a) => a.isPagedOut), 'the page-out the timer starts');
      expect(s.stats().autoReclaims).to.equal(0);
    });

    it("an arc queued while the heap is over the limit pages out on the caller's stack (a store that writes synchronously)", () => {
      const heap = new Heap();
      const reports: PageOutReport[] = [];
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, probe: heap.probe }, onPageOut: (r) => reports.push(r) });
      const before = queued(s, 3);
      heap.used = LIMIT + 1;
      const [last] = queued(s, 1, 100, 3);
      expect([...before, last].every((a) => a!.isPagedOut)).to.equal(true);
      expect(reports).to.deep.equal([{ pagedOut: 4, failed: [] }]);
      expect(s.stats()).to.include({ autoPageOuts: 1, autoPagedOut: 4, autoReclaims: 1 });
    });

    it('that page-out writes the whole queue, batch by batch, while the heap stays over the limit', () => {
      const heap = new Heap();
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, probe: heap.probe } });
      // 12 MB: three batches.
      const arcs = queued(s, 12, MB);
      heap.used = LIMIT + 1;
      arcs.push(...queued(s, 1, 100, 12));
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    });

    it('and stops between batches once the heap reads under the limit again', () => {
      const heap = new Heap();
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, probe: heap.probe } });
      const arcs = queued(s, 12, MB);
      // V8 collects what the first batch left: the heap reads under the limit after it.
      heap.read = (): number => (arcs.some((a) => a.isPagedOut) ? LIMIT - 1 : LIMIT + 1);
      arcs.push(...queued(s, 1, 100, 12));
      const out = arcs.filter((a) => a.isPagedOut).length;
      expect(out).to.be.above(0);
      expect(out).to.be.below(arcs.length);
      expect(s.pendingPagingCount()).to.equal(arcs.length - out);
    });

    it('the next one waits for the heap to grow by RECLAIM_STEP, or to read lower (V8 collected) and pass the limit again', async () => {
      const heap = new Heap();
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } });
      heap.used = LIMIT + 1;
      const [a] = queued(s, 1);
      expect(a!.isPagedOut).to.equal(true);
      // The garbage the page-out left still reads as heap: no page-out per arc on this stack.
      const [b] = queued(s, 1, 100, 1);
      expect(b!.isPagedOut).to.equal(false);
      await until(() => b!.isPagedOut, 'the page-out on a later turn');
      heap.used = LIMIT + 1 + RECLAIM_STEP + 1;
      const [c] = queued(s, 1, 100, 2);
      expect(c!.isPagedOut).to.equal(true);
      heap.used = LIMIT - 1;
      queued(s, 1, 100, 3);
      heap.used = LIMIT + 1;
      const [d] = queued(s, 1, 100, 4);
      expect(d!.isPagedOut).to.equal(true);
      expect(s.stats().autoReclaims).to.equal(3);
    });

    it('on a store that cannot write synchronously it pages out on a later turn instead, and drain() waits for it', async () => {
      const heap = new Heap();
      heap.used = LIMIT + 1;
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, probe: heap.probe } }, asyncWrites());
      const arcs = queued(s, 3);
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      await s.drain();
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
      expect(s.stats().autoReclaims).to.equal(0);
    });
  });

  describe('drain()', () => {
    it('resolves at once when nothing needs paging out, without paging out', async () => {
      const heap = new Heap();
      const s = storage({ autoPageOut: { maxPending: 5, heapUsedLimit: LIMIT, probe: heap.probe } }, asyncWrites());
      const arcs = queued(s, 5);
      let settled = false;
      void s.drain().then(() => (settled = true));
      await null;
      expect(settled).to.equal(true);
      await turns(3);
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
    });

    it('waits until the queue is back under maxPending', async () => {
      const s = storage({ autoPageOut: { maxPending: 2 } }, asyncWrites());
      const arcs = queued(s, 6);
      await s.drain();
      expect(s.pendingPagingCount()).to.be.at.most(2);
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    });

    it('without autoPageOut pages out what waits, and reports it to onPageOut', async () => {
      const reports: PageOutReport[] = [];
      const s = storage({ onPageOut: (r) => reports.push(r) }, asyncWrites());
      const arcs = queued(s, 3);
      await s.drain();
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
      expect(reports).to.deep.equal([{ pagedOut: 3, failed: [] }]);
      await s.drain();
      expect(reports).to.have.length(1);
    });

    it('rejects with STORAGE_CLOSED once closed, and when the storage closes while it waits', async () => {
      const s = storage({ autoPageOut: { maxPending: 0 } }, asyncWrites());
      queued(s, 2);
      const waiting = s.drain();
      await s.close();
      await expectError(waiting, 'STORAGE_CLOSED');
      await expectError(s.drain(), 'STORAGE_CLOSED');
    });

    it('rejects with the error of a page-out whose write failed; its arcs wait again', async () => {
      const { store, faults } = faulty(new MemoryBlobStore(), { writes: true });
      const s = storage({ autoPageOut: { maxPending: 0 }, onPageOut: () => undefined }, store);
      const arcs = queued(s, 2);
      await expectError(s.drain(), 'IO');
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      expect(s.pendingPagingCount()).to.equal(2);
      faults.writes = false;
      await s.drain();
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    });
  });

  describe('failures', () => {
    it('automatic page-out keeps working after a failed one, and the failure reaches onPageOut', async () => {
      const { store, faults } = faulty(new MemoryBlobStore(), { writes: true });
      const failed: PagableError[] = [];
      const s = storage({ autoPageOut: { maxPending: 0, intervalMs: 1 }, onPageOut: (r) => failed.push(...r.failed) }, store);
      const [a] = queued(s, 1);
      await until(() => failed.length > 0, 'the failed page-out');
      expect(failed[0]).to.be.instanceOf(PagableError);
      expect(failed[0]!.code).to.equal('IO');
      expect(a!.isPagedOut).to.equal(false);
      faults.writes = false;
      await until(() => a!.isPagedOut, 'the page-out after the failure');
      const [b] = queued(s, 1, 100, 1);
      await until(() => b!.isPagedOut, 'the next page-out');
    });

    it('without onPageOut a failure crashes nothing, off the stack or on it', async () => {
      const { store, faults } = faulty(new MemoryBlobStore(), { writes: true });
      const heap = new Heap();
      const s = storage({ autoPageOut: { maxPending: 0, heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } }, store);
      const [a] = queued(s, 1);
      await turns(5);
      heap.used = LIMIT + 1;
      // On the caller's stack (the store writes synchronously): unpin() must not throw.
      const [b] = queued(s, 1, 100, 1);
      expect(s.stats().autoReclaims).to.equal(1);
      expect(b!.isPagedOut).to.equal(false);
      faults.writes = false;
      await until(() => a!.isPagedOut && b!.isPagedOut, 'the page-out after the failures');
    });
  });

  describe('scheduling', () => {
    const HOUR = 3_600_000;

    it('a page-out that succeeded does not delay the next one (only a failed one waits intervalMs)', async () => {
      const s = storage({ autoPageOut: { maxPending: 0, intervalMs: HOUR } }, asyncWrites());
      const [a] = queued(s, 1);
      await until(() => a!.isPagedOut, 'the first page-out');
      const [b] = queued(s, 1, 100, 1);
      await until(() => b!.isPagedOut, 'the next page-out, at once');
    });

    it('after a failed page-out the next one waits intervalMs, whatever is queued meanwhile', async () => {
      const { store, faults } = faulty(new MemoryBlobStore(), { writes: true });
      const reports: PageOutReport[] = [];
      const s = storage({ autoPageOut: { maxPending: 0, intervalMs: HOUR }, onPageOut: (r) => reports.push(r) }, store);
      queued(s, 1);
      await until(() => reports.length === 1, 'the failed page-out');
      faults.writes = false;
      const [b] = queued(s, 1, 100, 1);
      // Nothing within a fraction of the hour asked for: a lower bound, whatever the machine's load.
      await turns(20);
      await new Promise((r) => setTimeout(r, 150));
      expect(reports).to.have.length(1);
      expect(b!.isPagedOut).to.equal(false);
      expect(s.pendingPagingCount()).to.equal(2);
    });

    it('arcs queued while a page-out runs page out after it, with nothing queued since (heap over the limit)', async () => {
      const heap = new Heap();
      heap.used = LIMIT + 1;
      const p = pausable(new MemoryBlobStore(), { async: true });
      const hold = p.pauseAt('putMany');
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: HOUR, probe: heap.probe } }, p.store);
      const [a] = queued(s, 1);
      await hold.reached;
      const [b] = queued(s, 1, 100, 1);
      hold.release();
      await until(() => a!.isPagedOut && b!.isPagedOut, 'both page-outs');
      expect(s.stats().autoPageOuts).to.equal(2);
    });

    it('a heap exactly at the limit is not over it: nothing pages out', async () => {
      const heap = new Heap();
      heap.used = LIMIT;
      const s = storage({ autoPageOut: { heapUsedLimit: LIMIT, intervalMs: 1, probe: heap.probe } });
      const arcs = queued(s, 3);
      await s.drain();
      await until(() => heap.reads >= 6, 'the timer looking at the heap');
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      expect(s.stats().autoReclaims).to.equal(0);
    });

    it('the heap is no longer looked at once nothing waits', () => stopsLooking((s) => s.pageOutPending()));
  });

  describe('close()', () => {
    it('a page-out scheduled before close() never runs, and nothing is written after it', async () => {
      const reports: PageOutReport[] = [];
      const s = storage({ autoPageOut: { maxPending: 0 }, onPageOut: (r) => reports.push(r) });
      const arcs = queued(s, 3);
      await s.close();
      await turns(5);
      expect(reports).to.have.length(0);
      expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
      expect(s.stats().stores).to.equal(0);
    });

    it('the heap is no longer looked at after close(), though arcs still wait', () => stopsLooking((s) => s.close()));
  });
});
