/*
 * pageOutPending() in batches: what each write holds is bounded whatever the queue's length, each
 * batch's values are dropped before the next is encoded, and the guarantees of one page-out hold
 * across batches (children first, an object stored once, a failure reported once, a failed write
 * strands nothing). One report.
 */
import { expect } from 'chai';
import {
  type BlobEntry,
  type BlobStore,
  Field,
  Lazy,
  MemoryBlobStore,
  Pagable,
  PagableArc,
  PagableStorageBase,
  Shared,
  delegating,
} from '../../src/index.js';
import { BATCH_BYTES } from '../../src/paging/page-out-batches.js';
import { Page, page, sameDocument } from '../support/documents.js';
import { expectError } from '../support/expect-error.js';

const KB = 1024;

@Pagable()
class Chapter {
  @Field() text!: string;
  @Shared(() => Page) preface!: Page;
}

@Pagable()
class Book {
  @Field() title!: string;
  @Lazy(() => [Page]) pages!: Array<PagableArc<Page>>;
}

/** What the storage asked its store to write, one list of entries a call. */
interface Writes {
  calls: BlobEntry[][];
  /** Before each call: how many of the watched arcs were already PagedOut. */
  pagedOutBefore: number[];
}

/** A memory store recording its writes (and, with `async`, answering them on a later microtask). */
function recording(
  watch: () => Array<PagableArc<unknown>>,
  options: { async?: boolean; failCall?: number } = {},
): { store: BlobStore; writes: Writes } {
  const inner = new MemoryBlobStore();
  const writes: Writes = { calls: [], pagedOutBefore: [] };
  const store = delegating(inner, {
    name: 'recording memory store',
    putMany: (entries) => {
      writes.pagedOutBefore.push(watch().filter((a) => a.isPagedOut).length);
      writes.calls.push([...entries]);
      if (writes.calls.length === options.failCall) {
        const e = new Error('injected write failure');
        if (options.async === true) return Promise.reject(e);
        throw e;
      }
      const r = inner.putMany(entries);
      return options.async === true ? Promise.resolve(r) : r;
    },
  });
  return { store, writes };
}

const bytesOf = (entries: readonly BlobEntry[]): number => entries.reduce((n, e) => n + e.data.data.length, 0);

function queue<T>(storage: PagableStorageBase, values: T[]): Array<PagableArc<T>> {
  return values.map((v) => {
    const a = PagableArc.new(v, storage);
    a.unpin();
    return a;
  });
}

describe('page-out in batches', () => {
  const SIZE = 300 * KB;
  const N = 40; // 12 MB: at least three batches

  for (const async of [false, true]) {
    it(`writes at most ${BATCH_BYTES / 1024 / 1024} MB plus one value a batch, dropping each batch's values before the next, in one report (${async ? 'asynchronous' : 'synchronous'} store)`, async () => {
      let arcs: Array<PagableArc<Page>> = [];
      const { store, writes } = recording(() => arcs, { async });
      const s = new PagableStorageBase(store);
      arcs = queue(
        s,
        Array.from({ length: N }, (_, i) => page(i, SIZE)),
      );
      const r = s.pageOutPending();
      expect(r instanceof Promise).to.equal(async);
      expect(await r).to.deep.equal({ pagedOut: N, failed: [] });
      // A batch is cut once it holds BATCH_BYTES: as few writes as that allows.
      expect(writes.calls.length).to.equal(Math.ceil((N * SIZE) / BATCH_BYTES));
      for (const call of writes.calls) expect(bytesOf(call)).to.be.at.most(BATCH_BYTES + SIZE + KB);
      // Before each write, every earlier batch's arcs were PagedOut (their values dropped).
      let written = 0;
      for (let i = 0; i < writes.calls.length; i++) {
        expect(writes.pagedOutBefore[i]).to.equal(written);
        written += writes.calls[i]!.filter((e) => e.data.data.length >= SIZE).length;
      }
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
      const back = await arcs[N - 1]!.use((p) => sameDocument(p, N - 1, SIZE, page));
      expect(back).to.equal(true);
      await s.close();
    });
  }

  it('children first across batches: a parent in a later batch refers to children an earlier one stored, and loads back', async () => {
    const { store, writes } = recording(() => []);
    const s = new PagableStorageBase(store);
    const pages = queue(
      s,
      Array.from({ length: N }, (_, i) => page(i, SIZE)),
    );
    const [book] = queue(s, [Object.assign(new Book(), { title: 'b', pages: pages.map((p) => p.clone()) })]);
    expect((await s.pageOutPending()).pagedOut).to.equal(N + 1);
    expect(writes.calls.length).to.be.at.least(3);
    const back = await book!.use((b) => Promise.all(b.pages.map((p, i) => p.use((v) => sameDocument(v, i, SIZE, page)))));
    expect(back.every(Boolean)).to.equal(true);
    await s.close();
  });

  it('an object shared by arcs of several batches is stored once in a page-out', async () => {
    const { store, writes } = recording(() => []);
    const s = new PagableStorageBase(store);
    const preface = page(-1, 100);
    const chapters = queue(
      s,
      Array.from({ length: N }, (_, i) => Object.assign(new Chapter(), { text: page(i, SIZE).text, preface })),
    );
    await s.pageOutPending();
    expect(writes.calls.length).to.be.at.least(3);
    const prefaceKey = await new PagableStorageBase(new MemoryBlobStore()).save(preface);
    expect(writes.calls.flat().filter((e) => e.key === prefaceKey)).to.have.length(1);
    const [first, last] = await Promise.all([chapters[0]!.use((c) => c.preface.text), chapters[N - 1]!.use((c) => c.preface.text)]);
    expect(first).to.equal(preface.text).and.to.equal(last);
    await s.close();
  });

  it('a value that cannot be encoded, reached from several batches, is reported once and stays resident', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const bad = Object.assign(new Page(), { id: 0, text: Symbol('not storable') as unknown as string });
    const chapters = queue(
      s,
      Array.from({ length: N }, (_, i) =>
        Object.assign(new Chapter(), { text: page(i, SIZE).text, preface: i % 13 === 0 ? bad : page(i, 10) }),
      ),
    );
    const r = await s.pageOutPending();
    expect(r.failed).to.have.length(1);
    expect(r.pagedOut).to.equal(N - chapters.filter((_, i) => i % 13 === 0).length);
    expect(chapters.filter((c) => !c.isPagedOut)).to.have.length(4);
    await s.close();
  });

  for (const async of [false, true]) {
    it(`a failed write keeps what earlier batches wrote, queues its own arcs and the rest again, and strands nothing (${async ? 'asynchronous' : 'synchronous'} store)`, async () => {
      let arcs: Array<PagableArc<Page>> = [];
      const { store, writes } = recording(() => arcs, { failCall: 2, async });
      const s = new PagableStorageBase(store);
      arcs = queue(
        s,
        Array.from({ length: N }, (_, i) => page(i, SIZE)),
      );
      const e = await expectError(async () => s.pageOutPending(), 'IO');
      expect(e.message).to.contain('recording memory store').and.contain('injected write failure');
      const first = writes.calls[0]!.filter((e) => e.data.data.length >= SIZE).length;
      expect(arcs.filter((a) => a.isPagedOut)).to.have.length(first);
      expect(s.pendingPagingCount()).to.equal(N - first);
      expect((await s.pageOutPending()).pagedOut).to.equal(N - first);
      expect(arcs.every((a) => a.isPagedOut)).to.equal(true);
      await s.close();
    });
  }
});
