import { expect } from 'chai';
import { type BlobEntry, MemoryBlobStore, PagableArc, PagableStorageBase, delegating } from '../../src/index.js';
import { Dep } from '../support/models.js';
import { expectError } from '../support/expect-error.js';
import { pausable } from '../support/pausable-store.js';
import { BATCH_BYTES } from '../../src/paging/page-out-batches.js';

/*
 * `await pageOutPending()` means: everything scheduled before the call is paged out now. With
 * autoPageOut, part of the queue may already be in an automatic page-out that is still writing;
 * the call must not return before that one has written its arcs too.
 */
describe('pageOutPending(): after it, everything scheduled before it is paged out', function () {
  const turns = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  it('waits for an automatic page-out already writing (its batch held in putMany)', async () => {
    const p = pausable(new MemoryBlobStore(), { async: true });
    const s = new PagableStorageBase(p.store, { autoPageOut: { maxPending: 2 } });
    try {
      const held = p.pauseAt('putMany', 1);
      const early = Array.from({ length: 3 }, (_, i) => PagableArc.new(Dep.of(`early-${i}`), s));
      for (const a of early) a.unpin();
      await held.reached;
      const late = PagableArc.new(Dep.of('late'), s);
      late.unpin();
      let settled = false;
      const manual = Promise.resolve(s.pageOutPending()).then((report) => {
        settled = true;
        return report;
      });
      await turns(30);
      // Returning now would leave the held batch's arcs resident after `await pageOutPending()`.
      if (settled) expect(early.filter((a) => !a.isPagedOut).length, 'arcs resident after pageOutPending()').to.equal(0);
      held.release();
      const report = await manual;
      expect(report.failed).to.deep.equal([]);
      expect([...early, late].filter((a) => !a.isPagedOut).length).to.equal(0);
      expect((await early[0]!.pin()).value.name).to.equal('early-0');
    } finally {
      await s.close();
    }
  });

  it('waits for an automatic page-out that started after it and took part of its queue', async () => {
    // Each arc is over BATCH_BYTES, so each is a batch of its own: the call writes A0, an automatic
    // page-out started on the next turn takes A1 (the queue's front) and is held, the call writes
    // A2 and finds nothing more of its own queued. Returning then would leave A1 resident.
    const p = pausable(new MemoryBlobStore(), { async: true });
    const s = new PagableStorageBase(p.store, { autoPageOut: { maxPending: 0 } });
    try {
      const big = 'x'.repeat(BATCH_BYTES + 1024);
      const first = p.pauseAt('putMany', 1);
      const second = p.pauseAt('putMany', 2);
      const arcs = Array.from({ length: 3 }, (_, i) => PagableArc.new(Dep.of(`${i}${big}`), s));
      for (const a of arcs) a.unpin();
      let settled = false;
      const manual = Promise.resolve(s.pageOutPending()).then((report) => {
        settled = true;
        return report;
      });
      await first.reached;
      await second.reached;
      first.release();
      await turns(30);
      if (settled) expect(arcs.filter((a) => !a.isPagedOut).length, 'arcs resident after pageOutPending()').to.equal(0);
      second.release();
      const report = await manual;
      expect(report.failed).to.deep.equal([]);
      expect(arcs.filter((a) => !a.isPagedOut).length).to.equal(0);
      expect((await arcs[1]!.pin()).value.name.slice(0, 1)).to.equal('1');
    } finally {
      await s.close();
    }
  });

  it('writes the arcs of its queue that an automatic page-out took and failed to write', async () => {
    // As above, but the automatic page-out's write fails: it puts A1 back in the queue, after the
    // call's own arcs, where the call's run no longer looks. The call must write it again.
    const p = pausable(new MemoryBlobStore(), { async: true });
    const s = new PagableStorageBase(p.store, { autoPageOut: { maxPending: 0 }, onPageOut: () => {} });
    try {
      const big = 'x'.repeat(BATCH_BYTES + 1024);
      const first = p.pauseAt('putMany', 1);
      p.failAt('putMany', 2);
      const arcs = Array.from({ length: 3 }, (_, i) => PagableArc.new(Dep.of(`${i}${big}`), s));
      for (const a of arcs) a.unpin();
      const manual = Promise.resolve(s.pageOutPending());
      await first.reached;
      for (let i = 0; i < 100 && (p.calls.get('putMany') ?? 0) < 2; i++) await turns(1);
      expect(p.calls.get('putMany'), 'the automatic page-out wrote').to.equal(2);
      await turns(5);
      first.release();
      const report = await manual;
      expect(report.failed).to.deep.equal([]);
      expect(arcs.filter((a) => !a.isPagedOut).length, 'arcs resident after pageOutPending()').to.equal(0);
    } finally {
      await s.close();
    }
  });

  it('with nothing running, stays synchronous on a synchronous store', () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const a = PagableArc.new(Dep.of('sync'), s);
    a.unpin();
    const report = s.pageOutPending();
    expect(report).to.not.be.instanceOf(Promise);
    expect(a.isPagedOut).to.equal(true);
  });

  it('a call made while another page-out writes, whose write then fails, writes the arcs that failure put back', async () => {
    const inner = new MemoryBlobStore();
    let fail!: (e: Error) => void;
    let calls = 0;
    const store = delegating(inner, {
      putMany: (entries: readonly BlobEntry[]) =>
        ++calls === 1
          ? new Promise<boolean[]>((_, reject) => {
              fail = reject;
            })
          : Promise.resolve(inner.putMany(entries)),
    });
    const s = new PagableStorageBase(store);
    const arcs = Array.from({ length: 3 }, (_, i) => PagableArc.new(Dep.of(`a${i}`), s));
    for (const a of arcs) a.unpin();
    const first = Promise.resolve(s.pageOutPending());
    await turns(3);
    const second = Promise.resolve(s.pageOutPending());
    fail(new Error('injected write failure'));
    await expectError(first, 'IO');
    expect(await second).to.deep.equal({ pagedOut: 3, failed: [] });
    expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    await s.close();
  });

  it('once an asynchronous page-out has finished, the next one on a synchronous store is synchronous again', async () => {
    const p = pausable(new MemoryBlobStore());
    const s = new PagableStorageBase(p.store);
    PagableArc.new(Dep.of('first'), s).unpin();
    const held = p.pauseAt('putMany', 1);
    const first = s.pageOutPending();
    expect(first).to.be.instanceOf(Promise);
    await held.reached;
    held.release();
    await first;
    await turns(2);
    const a = PagableArc.new(Dep.of('second'), s);
    a.unpin();
    const report = s.pageOutPending();
    expect(report).to.not.be.instanceOf(Promise);
    expect(a.isPagedOut).to.equal(true);
    await s.close();
  });
});
