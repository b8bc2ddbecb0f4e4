import { expect } from 'chai';
import { InMemoryPagableStorage, PagableArc } from '../../src/index.js';
import { LazyLink, Link } from '../support/models.js';

describe('depth: iterative walks', function () {
  this.timeout(300_000);

  it('saves and loads a 1,000,000-long @Shared chain without stack overflow', async () => {
    const s = new InMemoryPagableStorage();
    let head: Link | undefined;
    for (let i = 0; i < 1_000_000; i++) head = Object.assign(new Link(), { n: i, next: head });
    let t = performance.now();
    const key = await s.save(head!);
    const saveMs = performance.now() - t;
    // eslint-disable-next-line no-useless-assignment -- drops the saved chain: only the loaded one stays reachable
    head = undefined;
    t = performance.now();
    let back: Link | undefined = await s.load(Link, key);
    const loadMs = performance.now() - t;
    let count = 0;
    let expectN = 999_999;
    while (back) {
      if (back.n !== expectN--) expect.fail(`link ${count} holds ${back.n}`);
      count++;
      back = back.next;
    }
    expect(count).to.equal(1_000_000);
    console.log(`      1e6 @Shared chain: save ${Math.round(saveMs)} ms, load ${Math.round(loadMs)} ms`);
    await s.close();
  });

  it('pages out a 1,000,000-deep @Lazy chain and walks it back by pinning', async () => {
    const s = new InMemoryPagableStorage();
    let arc: PagableArc<LazyLink> | undefined;
    for (let i = 0; i < 1_000_000; i++) {
      const next = arc;
      arc = PagableArc.new(Object.assign(new LazyLink(), { n: i, next }), s);
      next?.unpin();
    }
    arc!.unpin();
    const t = performance.now();
    const report = s.pageOutPending();
    const ms = performance.now() - t;
    expect(report).to.not.be.instanceOf(Promise);
    expect((report as { failed: unknown[] }).failed).to.deep.equal([]);
    expect(arc!.isPagedOut).to.equal(true);
    let cur: PagableArc<LazyLink> | undefined = arc;
    let count = 0;
    while (cur && count < 1000) {
      const pin = cur.pinSync();
      count++;
      const next = pin.value.next;
      pin.release();
      cur.unpin();
      cur = next;
    }
    expect(count).to.equal(1000);
    console.log(`      1e6 @Lazy chain page-out: ${Math.round(ms)} ms`);
    await s.close();
  });
});
