/*
 * One page-out run as a user meets it: an object reached twice is stored once but checked against
 * every field that reaches it, an arc met again (queued after its parent, or referred to twice)
 * keeps one key, an arc of another storage stays that storage's, a failed value is reported once
 * however many arcs reach it, and two page-outs at once on a shared store both complete.
 */
import { expect } from 'chai';
import { InMemoryPagableStorage, Lazy, MemoryBlobStore, Pagable, PagableArc, PagableStorageBase, Shared } from '../../src/index.js';
import type { PageOutReport } from '../../src/index.js';
import { Page } from '../support/documents.js';
import { Dep, LazyLink, Link } from '../support/models.js';
import { expectError } from '../support/expect-error.js';
import { guarded, pausable } from '../support/pausable-store.js';
import { WARM } from '../../src/paging/v8-workarounds.js';

/**
 * Fields of two classes, inline-shared and as arcs (one object cannot read back as both a Dep and
 * a Page), and a list of arcs.
 */
@Pagable()
class Crate {
  @Shared(() => Dep) dep: Dep | undefined;
  @Shared(() => Page) page: Page | undefined;
  @Lazy(() => Dep) lazyDep: PagableArc<Dep> | undefined;
  @Lazy(() => Page) lazyPage: PagableArc<Page> | undefined;
  @Lazy(() => [Dep]) deps: Array<PagableArc<Dep>> = [];
}

function unpinned<T>(value: T, s: PagableStorageBase): PagableArc<T> {
  const a = PagableArc.new(value, s);
  a.unpin();
  return a;
}

describe('page-out run', () => {
  it('an object or arc reached again through a field of another class is TYPE_MISMATCH naming that field', async () => {
    const s = new InMemoryPagableStorage();
    const dep = Dep.of('x');
    const e = await expectError(s.save(Object.assign(new Crate(), { dep, page: dep as unknown as Page })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Crate.page').and.contain('Dep');
    const arc = PagableArc.new(dep, s);
    const lazy = Object.assign(new Crate(), { lazyDep: arc.clone(), lazyPage: arc.clone() as unknown as PagableArc<Page> });
    const l = await expectError(s.save(lazy), 'TYPE_MISMATCH');
    expect(l.message).to.contain('Crate.lazyPage').and.contain('Dep');
    expect(s.stats().blobs).to.equal(0);
  });

  it('a paged-out arc referred to twice in one value is stored by its key once and loads back twice', async () => {
    const s = new InMemoryPagableStorage();
    const dep = unpinned(Dep.of('d'), s);
    await s.pageOutPending();
    expect(dep.isPagedOut).to.equal(true);
    const key = await s.save(Object.assign(new Crate(), { deps: [dep.clone(), dep.clone()] }));
    const back = await s.load(Crate, key);
    expect(await Promise.all(back.deps.map((d) => d.use((v) => v.name)))).to.deep.equal(['d', 'd']);
    expect(PagableArc.ptrEq(back.deps[0]!, back.deps[1]!)).to.equal(true);
  });

  it('a parent queued before its child arcs: one page-out stores both, each arc once, no failure', () => {
    const s = new InMemoryPagableStorage();
    const deps = [Dep.of('a'), Dep.of('b')].map((d) => PagableArc.new(d, s));
    const value = Object.assign(new Crate(), { deps: deps.map((d) => d.clone()) });
    const crate = unpinned(value, s);
    // The crate is queued first; its deps once their last handles let go, after it.
    for (const d of [...deps, ...value.deps]) d.unpin();
    const report = s.pageOutPending() as PageOutReport;
    expect(report).to.deep.equal({ pagedOut: 3, failed: [] });
    expect([crate, ...deps].every((a) => a.isPagedOut)).to.equal(true);
    // The crate, two deps and their two schema sets' blobs: nothing twice.
    expect(s.stats().dedupHits).to.equal(0);
  });

  it('an arc of another storage, resident, saved into this one stays its own storage’s (no key of this one)', async () => {
    const home = new InMemoryPagableStorage();
    const other = new InMemoryPagableStorage();
    const dep = unpinned(Dep.of('home'), home);
    const key = await other.save(Object.assign(new Crate(), { deps: [dep.clone()] }));
    expect(dep.dataKey).to.equal(undefined);
    expect(home.pendingPagingCount()).to.equal(1);
    expect((home.pageOutPending() as PageOutReport).pagedOut).to.equal(1);
    expect((await home.load(Dep, dep.dataKey!)).name).to.equal('home');
    expect(await (await other.load(Crate, key)).deps[0]!.use((d) => d.name)).to.equal('home');
  });

  it('an arc whose value refers to the arc itself is CYCLE naming the path from the arc', async () => {
    const s = new InMemoryPagableStorage();
    const link = Object.assign(new LazyLink(), { n: 1 });
    const arc = unpinned(link, s);
    link.next = arc.clone();
    const report = s.pageOutPending() as PageOutReport;
    expect(report.failed.map((e) => e.code)).to.deep.equal(['CYCLE']);
    expect(report.failed[0]!.message).to.contain('PagableArc<LazyLink> -> LazyLink.next leads back');
    expect(arc.isPagedOut).to.equal(false);
  });

  it('an arc holding a value that cannot be stored at all is reported naming the arc', () => {
    const s = new InMemoryPagableStorage();
    const arc = unpinned(new Map([[1, Symbol('not storable')]]), s);
    const report = s.pageOutPending() as PageOutReport;
    expect(report.failed.map((e) => [e.code, e.message])).to.deep.equal([['NOT_PAGABLE', 'PagableArc: a symbol cannot be stored']]);
    expect(arc.isPagedOut).to.equal(false);
  });

  it('arcs that share an object whose child cannot be encoded: one failure, reported once, no CYCLE', () => {
    const s = new InMemoryPagableStorage();
    const bad = Object.assign(new Link(), { n: Symbol('not a number') as unknown as number });
    const shared = Object.assign(new Link(), { n: 2, next: bad });
    const arcs = [1, 3].map((n) => unpinned(Object.assign(new Link(), { n, next: shared }), s));
    const report = s.pageOutPending() as PageOutReport;
    expect(report.failed.map((e) => e.code)).to.deep.equal(['TYPE_MISMATCH']);
    expect(report.failed[0]!.message).to.contain('Link.n');
    expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
  });

  it('arcs that share an arc whose child cannot be encoded: one failure, reported once, no CYCLE', () => {
    const s = new InMemoryPagableStorage();
    // Pinned, so only the two parents are queued: each one's walk opens the shared arc, then fails below it.
    const bad = PagableArc.new(Object.assign(new LazyLink(), { n: Symbol('not a number') as unknown as number, next: undefined }), s);
    const mid = PagableArc.new(Object.assign(new LazyLink(), { n: 2, next: bad.clone() }), s);
    const arcs = [1, 3].map((n) => unpinned(Object.assign(new LazyLink(), { n, next: mid.clone() }), s));
    const report = s.pageOutPending() as PageOutReport;
    // One error for the one value that failed: the second parent's walk met the shared arc afresh.
    expect(report.failed.map((e) => e.code)).to.deep.equal(['TYPE_MISMATCH']);
    expect(report.failed[0]!.message).to.contain('LazyLink.n');
    expect(arcs.some((a) => a.isPagedOut)).to.equal(false);
    expect(s.stats().blobs).to.equal(0);
  });

  it('two page-outs at once on a shared store (a save while a page-out writes) both complete and load back', async () => {
    const p = pausable(guarded(new MemoryBlobStore()), { async: true });
    const s = new PagableStorageBase(p.store);
    // Something stored before, so the page-outs refer to keys of this store (checked on shared stores).
    const base = await s.save(Dep.of('base'));
    const baseDep = await s.load(Dep, base);
    const queued = unpinned(Dep.of('queued', '1', [baseDep]), s);
    const held = p.pauseAt('putMany', 1);
    const running = s.pageOutPending();
    await held.reached;
    const saved = await s.save(Dep.of('saved', '1', [baseDep]));
    held.release();
    expect((await running).pagedOut).to.equal(1);
    expect((await s.load(Dep, saved)).deps[0]!.name).to.equal('base');
    expect(await queued.use((d) => d.deps[0]!.name)).to.equal('base');
    await s.close();
  });

  it('the first page-out of a process (no run kept from an earlier one) works, and so does the next', () => {
    // What a fresh process has: nothing kept by an earlier page-out.
    WARM.pageOut = undefined;
    const s = new InMemoryPagableStorage();
    const arcs = [unpinned(Dep.of('first'), s), unpinned(Dep.of('second'), s)];
    expect((s.pageOutPending() as PageOutReport).pagedOut).to.equal(2);
    expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
    expect(WARM.pageOut).to.not.equal(undefined);
  });
});
