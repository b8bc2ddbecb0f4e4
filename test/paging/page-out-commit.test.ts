import { expect } from 'chai';
import { MemoryBlobStore, PagableArc, PagableStorageBase } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { branch, Holder } from '../support/gc-models.js';
import { guarded, pausable } from '../support/pausable-store.js';

/*
 * On a store other handles share (a sweep guard), a save that refers to blobs stored earlier
 * checks they are still there before writing and again after: another handle's gc may have
 * deleted them. Either way the save is NOT_FOUND naming the blob, and acknowledges nothing.
 */

describe('page-out commit on a store other handles share', () => {
  /** A handle over a guarded store, with an arc paged out into it; `inner` is what another handle's gc deletes from. */
  async function setUp(): Promise<{
    inner: MemoryBlobStore;
    p: ReturnType<typeof pausable>;
    s: PagableStorageBase;
    arc: PagableArc<ReturnType<typeof branch>>;
  }> {
    const inner = new MemoryBlobStore();
    const p = pausable(guarded(inner));
    const s = new PagableStorageBase(p.store);
    const arc = PagableArc.new(branch(1), s);
    arc.unpin();
    await s.pageOutPending();
    expect(arc.isPagedOut).to.equal(true);
    return { inner, p, s, arc };
  }

  it('a stored blob the graph refers to, deleted before the save, is NOT_FOUND naming it; nothing is written', async () => {
    const { inner, p, s, arc } = await setUp();
    const key = arc.dataKey!;
    await inner.deleteMany([key]);
    const holder = Object.assign(new Holder(), { tag: 'a', branch: arc });
    const e = await expectError(s.save(holder), 'NOT_FOUND');
    expect(e.message).to.contain(key).and.contain('is no longer there');
    expect(p.calls.get('putMany') ?? 0, 'puts after the arc was stored').to.equal(1);
    await s.close();
  });

  it('deleted while the graph is being written, it is NOT_FOUND: the graph is incomplete and not acknowledged', async () => {
    const { inner, p, s, arc } = await setUp();
    const key = arc.dataKey!;
    const pause = p.pauseAt('putMany');
    const holder = Object.assign(new Holder(), { tag: 'b', branch: arc });
    const saving = s.save(holder);
    await pause.reached;
    await inner.deleteMany([key]);
    pause.release();
    const e = await expectError(saving, 'NOT_FOUND');
    expect(e.message).to.contain(key).and.contain('while this graph was being stored');
    await s.close();
  });

  it('with the blob still there the save succeeds and loads back', async () => {
    const { s, arc } = await setUp();
    const key = await s.save(Object.assign(new Holder(), { tag: 'c', branch: arc }));
    const back = await s.load(Holder, key);
    const pin = await back.branch.pin();
    expect(pin.value.leaf.n).to.equal(1);
    pin.release();
    await s.close();
  });
});
