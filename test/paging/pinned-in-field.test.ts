/*
 * A PinnedPagableArc held in a @Lazy field saves as its arc and comes back as the field's declared
 * arc kind, a PagedOut PagableArc (as the Rust crate derives PagableSerialize for PinnedPagableArc:
 * it serializes through `serialize_arc`, like PagableArc).
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, PinnedPagableArc, Shared } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

@Pagable()
class Page {
  @Field() text!: string;
  static of(text: string): Page {
    return Object.assign(new Page(), { text });
  }
}

@Pagable()
class Book {
  @Field() title!: string;
  @Lazy(() => Page) first!: PagableArc<Page> | PinnedPagableArc<Page>;
  @Lazy(() => [Page]) rest!: Array<PagableArc<Page> | PinnedPagableArc<Page>>;
}

@Pagable()
class SharedHolder {
  @Shared(() => Page) page!: unknown;
}

describe('paging: a PinnedPagableArc in a @Lazy field', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  function book(first: PagableArc<Page> | PinnedPagableArc<Page>, rest: Array<PagableArc<Page> | PinnedPagableArc<Page>> = []): Book {
    return Object.assign(new Book(), { title: 'b', first, rest });
  }

  it('saves as its arc and loads as a PagedOut PagableArc holding the value', async () => {
    const pin = PinnedPagableArc.new(Page.of('one'), s);
    const key = await s.save(book(pin));
    const back = await s.load(Book, key);
    expect(back.first).to.be.instanceOf(PagableArc);
    const arc = back.first as PagableArc<Page>;
    expect(arc.isPagedOut).to.equal(true);
    expect(await arc.use((p) => p.text)).to.equal('one');
    expect(back.first).to.not.equal(pin);
  });

  it('writes the same blob as a PagableArc of an equal value, and shares the blob of its own arc', async () => {
    const pinKey = await s.save(book(PinnedPagableArc.new(Page.of('same'), s)));
    const arcKey = await s.save(book(PagableArc.new(Page.of('same'), s)));
    expect(pinKey).to.equal(arcKey);
    // A pin and a handle of one arc, in two fields: one child blob, one arc after loading.
    const pin = PinnedPagableArc.new(Page.of('both'), s);
    const handle = pin.clone().intoPagable();
    const back = await s.load(Book, await s.save(book(pin, [handle, pin])));
    expect((back.first as PagableArc<Page>).dataKey).to.equal(handle.dataKey);
    expect(PagableArc.ptrEq(back.first as PagableArc<Page>, back.rest[0] as PagableArc<Page>)).to.equal(true);
    expect(PagableArc.ptrEq(back.rest[0] as PagableArc<Page>, back.rest[1] as PagableArc<Page>)).to.equal(true);
  });

  it('leaves the pin pinned and its value resident; the arc gets its key', async () => {
    const pin = PinnedPagableArc.new(Page.of('kept'), s);
    const handle = pin.clone().intoPagable();
    handle.unpin();
    await s.save(book(pin));
    expect(pin.isReleased).to.equal(false);
    expect(pin.value.text).to.equal('kept');
    expect(handle.pinnedCount).to.equal(1);
    expect(handle.dataKey).to.be.a('string');
    pin.release();
    // Keyed and unpinned: dropped at once, and still loadable.
    expect(handle.isPagedOut).to.equal(true);
    expect(await handle.use((p) => p.text)).to.equal('kept');
  });

  it('pages out inside an arc whose value holds a pin', async () => {
    const outer = PagableArc.new(book(PinnedPagableArc.new(Page.of('inner'), s)), s);
    outer.unpin();
    expect((s.pageOutPending() as { failed: unknown[] }).failed).to.deep.equal([]);
    expect(outer.isPagedOut).to.equal(true);
    const title = await outer.use(async (b) => (b.first as PagableArc<Page>).use((p) => p.text));
    expect(title).to.equal('inner');
  });

  it('refuses a released pin with RELEASED naming class and field', async () => {
    const pin = PinnedPagableArc.new(Page.of('gone'), s);
    pin.release();
    const e = await expectError(s.save(book(pin)), 'RELEASED');
    expect(e.message).to.contain('Book.first');
  });

  it('is still refused by @Shared, which holds objects, not arcs', async () => {
    const pin = PinnedPagableArc.new(Page.of('x'), s);
    const e = await expectError(s.save(Object.assign(new SharedHolder(), { page: pin })), 'TYPE_MISMATCH');
    expect(e.message).to.contain('@Lazy');
  });
});
