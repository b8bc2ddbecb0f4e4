import { expect } from 'chai';
import { MemoryBlobStore, PagableArc, PagableStorageBase } from '../../src/index.js';
import { Dep } from '../support/models.js';
import { pausable } from '../support/pausable-store.js';

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

  it('with nothing running, stays synchronous on a synchronous store', () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const a = PagableArc.new(Dep.of('sync'), s);
    a.unpin();
    const report = s.pageOutPending();
    expect(report).to.not.be.instanceOf(Promise);
    expect(a.isPagedOut).to.equal(true);
  });
});
