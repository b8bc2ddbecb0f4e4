/*
 * One object or arc reached through fields of different declared types (README "What is accepted
 * is given back"): a page-out stores it once, so the blob written for the first field must read
 * back as every other field declares it; where it cannot, the save is refused, as it would be had
 * that field been the only one.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, type PageOutReport, Shared, TypeTag } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

@Pagable()
class Point {
  @Field() x!: number;
  static of(x: number): Point {
    return Object.assign(new Point(), { x });
  }
}

@TypeTag('declared-roots.Tagged')
@Pagable()
class Tagged {
  @Field() x!: number;
  static of(x: number): Tagged {
    return Object.assign(new Tagged(), { x });
  }
}

@Pagable()
class Both {
  @Shared(() => Point) typed!: unknown;
  @Shared(() => Object) plain!: unknown;
}

@Pagable()
class BothTagged {
  @Shared(() => Tagged) typed!: unknown;
  @Shared(() => Object) plain!: unknown;
}

@Pagable()
class Arcs {
  @Lazy(() => Point) typed!: PagableArc<unknown> | undefined;
  @Lazy(() => Object) plain!: PagableArc<unknown> | undefined;
}

@Pagable()
class TaggedArcs {
  @Lazy(() => Tagged) typed!: PagableArc<unknown> | undefined;
  @Lazy(() => Object) plain!: PagableArc<unknown> | undefined;
}

describe('an object reached through fields of different declared types', () => {
  it('an untagged instance at @Shared(() => Point) and @Shared(() => Object) is TYPE_MISMATCH (untyped data needs its tag)', async () => {
    const s = new InMemoryPagableStorage();
    const p = Point.of(1);
    const e = await expectError(s.save(Object.assign(new Both(), { typed: p, plain: p })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Both.plain').and.contain('@TypeTag');
    // Met the other way round, it was refused already.
    await expectError(s.save(Object.assign(new Both(), { plain: p, typed: Point.of(2) })), 'TYPE_MISMATCH');
  });

  it('a tagged instance there is one object, given back at both fields', async () => {
    const s = new InMemoryPagableStorage();
    const t = Tagged.of(1);
    const back = await s.load(BothTagged, await s.save(Object.assign(new BothTagged(), { typed: t, plain: t })));
    expect(back.typed).to.be.instanceOf(Tagged).and.deep.equal(t);
    expect(back.plain).to.equal(back.typed);
  });

  it('one arc of an untagged instance at @Lazy(() => Point) and @Lazy(() => Object) is TYPE_MISMATCH', async () => {
    const s = new InMemoryPagableStorage();
    const arc = PagableArc.new(Point.of(1), s);
    const e = await expectError(s.save(Object.assign(new Arcs(), { typed: arc, plain: arc })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Arcs.plain');
  });

  it('a paged-out arc of an untagged instance, then held by @Lazy(() => Object), is TYPE_MISMATCH', async () => {
    const s = new InMemoryPagableStorage();
    const arc = PagableArc.new(Point.of(1), s);
    arc.unpin();
    expect((s.pageOutPending() as PageOutReport).pagedOut).to.equal(1);
    expect(arc.isPagedOut).to.equal(true);
    const e = await expectError(s.save(Object.assign(new Arcs(), { plain: arc })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Arcs.plain').and.contain('Point');
  });

  it('a paged-out arc of plain data, then held by @Lazy(() => Point), is TYPE_MISMATCH; pinned, what it holds decides', async () => {
    const s = new InMemoryPagableStorage();
    const arc = PagableArc.new<unknown>({ x: 1 }, s);
    arc.unpin();
    await s.pageOutPending();
    expect(arc.isPagedOut).to.equal(true);
    const e = await expectError(s.save(Object.assign(new Arcs(), { typed: arc })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Arcs.typed').and.contain('Point');
    const pin = await arc.pin();
    await expectError(s.save(Object.assign(new Arcs(), { typed: arc })), 'TYPE_MISMATCH');
    pin.release();
  });

  it('a paged-out arc of a tagged instance stays usable where its class is declared, and as plain data', async () => {
    const s = new InMemoryPagableStorage();
    const t = Tagged.of(3);
    const arc = PagableArc.new<unknown>(t, s);
    arc.unpin();
    await s.pageOutPending();
    const back = await s.load(TaggedArcs, await s.save(Object.assign(new TaggedArcs(), { typed: arc, plain: arc })));
    const a = await back.typed!.pin();
    const b = await back.plain!.pin();
    expect(a.value).to.be.instanceOf(Tagged).and.deep.equal(t);
    expect(b.value).to.equal(a.value);
    a.release();
    b.release();
  });
});
