import { expect } from 'chai';
import {
  InMemoryPagableStorage,
  MemoryBlobStore,
  PagableArc,
  PagableError,
  PagableStorageBase,
  type PageOutReport,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { faulty } from '../support/faulty-store.js';
import { Dep } from '../support/models.js';

describe('integrity: one bad value or one failed write strands nothing', () => {
  it('a value whose getter throws is reported with the original error as cause; the other arcs page out', () => {
    const s = new InMemoryPagableStorage();
    const boom = new Error('getter exploded');
    const bad = Dep.of('bad');
    Object.defineProperty(bad, 'version', {
      get: () => {
        throw boom;
      },
      enumerable: true,
    });
    const arcs = [PagableArc.new(Dep.of('a'), s), PagableArc.new(bad, s), PagableArc.new(Dep.of('c'), s)];
    for (const a of arcs) a.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.pagedOut).to.equal(2);
    expect(report.failed).to.have.length(1);
    expect(report.failed[0]).to.be.instanceOf(PagableError);
    expect(report.failed[0]!.cause).to.equal(boom);
    expect(arcs[0]!.isPagedOut && arcs[2]!.isPagedOut).to.equal(true);
    expect(arcs[1]!.state).to.equal('Unpinned');
    expect(s.pendingPagingCount()).to.equal(0);
  });

  it('a plain object with an own non-function `constructor` pages out and comes back as it was', async () => {
    const s = new InMemoryPagableStorage();
    const odd = { constructor: 'x', toJSON: 1, other: [1, 2] };
    const arc = PagableArc.new(odd, s);
    const fine = PagableArc.new(Dep.of('fine'), s);
    arc.unpin();
    fine.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.failed.map((e) => e.message)).to.deep.equal([]);
    expect(report.pagedOut).to.equal(2);
    const back = await arc.use((v) => v);
    expect(Object.getOwnPropertyDescriptor(back, 'constructor')?.value).to.equal('x');
    expect(back).to.deep.equal(odd);
  });

  it('a failed write rejects with IO and queues the arcs again; the next page-out writes them', async () => {
    const { store, faults } = faulty(new MemoryBlobStore());
    const s = new PagableStorageBase(store);
    const arcs = Array.from({ length: 3 }, (_, i) => PagableArc.new(Dep.of(`w${i}`), s));
    for (const a of arcs) a.unpin();
    faults.writes = true;
    const e = await expectError(async () => s.pageOutPending(), 'IO');
    expect(e.message).to.contain('injected write failure');
    expect(arcs.every((a) => a.state === 'Scheduled' && a.dataKey === undefined)).to.equal(true);
    expect(s.pendingPagingCount()).to.equal(3);
    faults.writes = false;
    expect((s.pageOutPending() as PageOutReport).pagedOut).to.equal(3);
    expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
  });

  it("page-in reads through a wrapper's getSync: the store's views are never handed past a wrapper", async () => {
    const { store, faults } = faulty(new MemoryBlobStore());
    expect(store.viewSync).to.equal(undefined);
    const s = new PagableStorageBase(store);
    const arc = PagableArc.new(Dep.of('wrapped'), s);
    arc.unpin();
    await s.pageOutPending();
    faults.reads = true;
    const e = await expectError(() => arc.pinSync(), 'IO');
    expect(e.message).to.contain('injected read failure');
    faults.reads = false;
    expect(arc.pinSync().value.name).to.equal('wrapped');
  });

  it('a failed save leaves nothing half-done: arcs inside keep no key, and the save can be repeated', async () => {
    const { store, faults } = faulty(new MemoryBlobStore());
    const s = new PagableStorageBase(store);
    faults.writes = true;
    await expectError(s.save(Dep.of('root', '1', [Dep.of('child')])), 'IO');
    faults.writes = false;
    const key = await s.save(Dep.of('root', '1', [Dep.of('child')]));
    expect((await s.load(Dep, key)).deps[0]!.name).to.equal('child');
  });
});
