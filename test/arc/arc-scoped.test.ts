import { expect } from 'chai';
import { inspect } from 'node:util';
import { InMemoryPagableStorage, PagableArc, type PageOutReport, PinnedPagableArc } from '../../src/index.js';
import { Dep } from '../support/models.js';

describe('arcs: scoped access and state', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  function pagedOut(name: string): PagableArc<Dep> {
    const arc = PagableArc.new(Dep.of(name), s);
    arc.unpin();
    expect(s.pageOutPending()).to.deep.include({ failed: [] }); // synchronous in memory
    expect(arc.state).to.equal('PagedOut');
    return arc;
  }

  it('names every state: Pinned, Scheduled, PagedOut, Loading, Unpinned', async () => {
    const arc = PagableArc.new(Dep.of('states'), s);
    expect(arc.state).to.equal('Pinned');
    arc.unpin();
    expect(arc.state).to.equal('Scheduled');
    expect(s.pageOutPending()).to.deep.include({ failed: [] }); // synchronous in memory
    expect(arc.state).to.equal('PagedOut');
    const pinning = arc.pin();
    expect(arc.state).to.equal('Loading');
    (await pinning).release();
    expect(arc.state).to.equal('Pinned'); // the handle itself was pinned by pin()
    const bad = PagableArc.new(Object.assign(Dep.of('bad'), { deps: [Symbol('no')] as unknown as Dep[] }), s);
    bad.unpin();
    expect((s.pageOutPending() as PageOutReport).failed).to.have.length(1);
    expect(bad.state).to.equal('Unpinned');
  });

  it('borrow() pins for one scope and leaves an unpinned handle unpinned: the value pages out again', () => {
    const arc = pagedOut('borrowed');
    {
      using b = arc.borrowSync();
      expect(b.value.name).to.equal('borrowed');
      expect(arc.isPinned).to.equal(false);
      expect(arc.pinnedCount).to.equal(1);
    }
    expect(arc.pinnedCount).to.equal(0);
    // It has a key: released, it is dropped at once, no page-out needed.
    expect(arc.isPagedOut).to.equal(true);
  });

  it('pin() by contrast makes the handle itself Pinned until unpin()', async () => {
    const arc = pagedOut('pinned');
    {
      using p = await arc.pin();
      expect(p.value.name).to.equal('pinned');
    }
    expect(arc.isPinned).to.equal(true);
    expect(arc.isPagedOut).to.equal(false);
    arc.unpin();
    expect(arc.isPagedOut).to.equal(true);
  });

  it('use(fn) runs fn on the value, returns its result and releases, even when fn throws', async () => {
    const arc = pagedOut('used');
    expect(await arc.use((d) => d.name.toUpperCase())).to.equal('USED');
    expect(arc.pinnedCount).to.equal(0);
    expect(arc.isPagedOut).to.equal(true);
    let thrown: unknown;
    await arc
      .use(() => {
        throw new Error('boom');
      })
      .catch((e: unknown) => {
        thrown = e;
      });
    expect((thrown as Error).message).to.equal('boom');
    expect(arc.pinnedCount).to.equal(0);
  });

  it('concurrent borrows of a paged-out arc fetch once and share the value', async () => {
    const arc = pagedOut('shared');
    const before = s.stats().fetches;
    const pins = await Promise.all([arc.borrow(), arc.borrow(), arc.clone().borrow()]);
    expect(s.stats().fetches - before).to.equal(1);
    expect(pins[1]!.value).to.equal(pins[0]!.value);
    for (const p of pins) p.release();
    expect(arc.isPagedOut).to.equal(true);
  });

  it('PinnedPagableArc.ptrEq is true for pins of one arc, false across arcs and once released', () => {
    const a = PinnedPagableArc.new(Dep.of('a'), s);
    const a2 = a.clone();
    const b = PinnedPagableArc.new(Dep.of('a'), s);
    expect(PinnedPagableArc.ptrEq(a, a2)).to.equal(true);
    expect(PinnedPagableArc.ptrEq(a, b)).to.equal(false);
    a2.release();
    expect(PinnedPagableArc.ptrEq(a, a2)).to.equal(false);
  });

  it('util.inspect shows state, pins and key, and never pages anything in', () => {
    const arc = pagedOut('shown');
    const text = inspect(arc);
    expect(text).to.contain('PagedOut').and.contain(arc.dataKey!).and.contain('pins 0');
    expect(s.stats().fetches).to.equal(0);
    const pin = PinnedPagableArc.new(Dep.of('p'), s);
    expect(inspect(pin)).to.contain('pins 1');
    pin.release();
    expect(inspect(pin)).to.contain('released');
  });
});
