/*
 * A class's schema blobs are framed once per schema set (src/paging/schema-frames.ts) and then
 * added to every page-out that stores data of that set. The first store of a class is where the
 * framing runs, so these tests define their classes fresh for each run: the blobs a first page-out
 * writes for them are stored under the keys their content hashes to, and read back.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Pagable, PagableArc, PagableStorageBase, type PageOutReport, Shared } from '../../src/index.js';

let fresh = 0;

/** A parent class holding a child class inline and shared: a schema set of several class blobs, new to this process. */
function freshClasses(): { make: (n: number) => object; read: (s: PagableStorageBase, key: string) => Promise<unknown> } {
  const id = ++fresh;
  @Pagable({ name: `schema-frames.Part${id}` })
  class Part {
    @Field() n = 0;
  }
  @Pagable({ name: `schema-frames.Whole${id}` })
  class Whole {
    @Field() label = '';
    @Field() inline!: Part;
    @Shared(() => Part) shared!: Part;
  }
  const part = (n: number): Part => Object.assign(new Part(), { n });
  return {
    make: (n) => Object.assign(new Whole(), { label: `w${n}`, inline: part(n), shared: part(n + 1) }),
    read: async (s, key) => {
      const w = await s.load(Whole, key);
      return [w.label, w.inline.n, w.shared.n];
    },
  };
}

describe('schema blobs of a class stored for the first time', () => {
  it('a save writes them under their content keys (verify finds nothing), and the data reads back', async () => {
    const { make, read } = freshClasses();
    const s = new InMemoryPagableStorage();
    const key = await s.save(make(1));
    expect(await s.verify()).to.deep.equal({ checked: s.stats().blobs, corrupt: [] });
    expect(await read(new PagableStorageBase(s.blobStore), key)).to.deep.equal(['w1', 1, 2]);
  });

  it('so does a page-out (arcs of a class new to the process)', async () => {
    const { make, read } = freshClasses();
    const s = new InMemoryPagableStorage();
    const arcs = [1, 5].map((n) => PagableArc.new(make(n), s));
    for (const a of arcs) a.unpin();
    expect((s.pageOutPending() as PageOutReport).pagedOut).to.equal(2);
    expect(await s.verify()).to.deep.equal({ checked: s.stats().blobs, corrupt: [] });
    const other = new PagableStorageBase(s.blobStore);
    expect(await read(other, arcs[1]!.dataKey!)).to.deep.equal(['w5', 5, 6]);
  });
});
