import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BlobStore, MemoryBlobStore, PagableArc, PagableStorageBase } from '../../src/index.js';
import { DirectoryBlobStore } from '../../examples/08-custom-backend.js';
import { expectError } from '../support/expect-error.js';
import { Branch, branch, fillers, Holder, keysOf } from '../support/gc-models.js';
import { guarded, pausable, type PausableStore } from '../support/pausable-store.js';

/*
 * What gc promises about writes that overlap it, checked in process and deterministically: the
 * store wrapper holds one of gc's calls, the test writes while it waits, then lets gc finish and
 * loads what it wrote. Stores without a sweep guard (memory, a user's own backend) rely on the
 * final mark; a store shared by several handles relies on the guard, parents-first deletes and
 * retried batches.
 */

interface Backend {
  name: string;
  /** Every call answers with a promise. */
  async?: boolean;
  /** Each blob is a file: tests that need more than a thousand blobs run on the others only. */
  files?: boolean;
  /** A fresh store, and how to dispose of what it left. */
  open(): { store: BlobStore; cleanup(): void };
}

const BACKENDS: Backend[] = [
  { name: 'memory', open: () => ({ store: new MemoryBlobStore(), cleanup: () => undefined }) },
  {
    name: 'memory answering asynchronously (as a network store)',
    async: true,
    open: () => ({ store: new MemoryBlobStore(), cleanup: () => undefined }),
  },
  {
    name: 'a custom backend (tutorial 08: a directory of files, no sweep guard)',
    files: true,
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'pagable-gc-window-'));
      return { store: new DirectoryBlobStore(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`gc windows on ${backend.name}`, () => {
    let p: PausableStore;
    let s: PagableStorageBase;
    let cleanup: () => void;

    beforeEach(() => {
      const opened = backend.open();
      cleanup = opened.cleanup;
      p = pausable(opened.store, { async: backend.async === true });
      s = new PagableStorageBase(p.store);
    });

    afterEach(async () => {
      await s.close();
      cleanup();
    });

    it('keeps a graph saved between the first mark and the final one: it loads after gc', async () => {
      const rooted = await s.save(branch(1));
      await s.setRoot('kept', rooted);
      const garbage = await s.save(branch(2));
      const pause = p.pauseAt('keys');
      const gc = s.gc();
      await pause.reached;
      // Marked neither by the first mark (written after it) nor by any root.
      const saved = await s.save(branch(3));
      pause.release();
      const report = await gc;
      expect((await s.load(Branch, saved)).leaf.n).to.equal(3);
      expect((await s.load(Branch, rooted)).leaf.n).to.equal(1);
      await expectError(s.fetchData(garbage), 'NOT_FOUND');
      // Branch 2's blob and its leaf's are freed; the schema blobs they share with 1 and 3 are kept.
      expect(report.freedBlobs).to.equal(2);
      expect(report.freedBytes).to.be.greaterThan(0);
      expect(report.keptBlobs).to.equal((await keysOf(p.store)).length);
    });

    it('keeps a blob stored with storeData while gc lists keys', async () => {
      const pause = p.pauseAt('keys');
      const gc = s.gc();
      await pause.reached;
      const key = await s.storeData({ data: Uint8Array.from([7, 7, 7]), arcs: [] });
      pause.release();
      expect((await gc).freedBlobs).to.equal(0);
      expect([...(await s.fetchData(key)).data]).to.deep.equal([7, 7, 7]);
    });

    it('keeps what a root named during the window holds, set by this handle or by another one', async () => {
      const mine = await s.save(branch(4));
      const theirs = await s.save(branch(5));
      const other = new PagableStorageBase(p.store);
      const pause = p.pauseAt('keys');
      const gc = s.gc();
      await pause.reached;
      await s.setRoot('mine', mine);
      await other.setRoot('theirs', theirs);
      pause.release();
      expect((await gc).freedBlobs).to.equal(0);
      expect((await s.load(Branch, mine)).leaf.n).to.equal(4);
      expect((await s.load(Branch, theirs)).leaf.n).to.equal(5);
    });

    it('frees, at the next gc, what was saved after a gc ended and is not rooted', async () => {
      await s.gc();
      const first = await s.save(branch(6));
      const written = (await keysOf(p.store)).length;
      expect(written).to.be.greaterThan(2);
      expect((await s.gc()).freedBlobs).to.equal(written);
      await expectError(s.fetchData(first), 'NOT_FOUND');
      // And again after a gc that had a write in its window.
      const pause = p.pauseAt('keys');
      const gc = s.gc();
      await pause.reached;
      const during = await s.save(branch(7));
      pause.release();
      await gc;
      expect((await s.gc()).freedBlobs).to.equal(written);
      await expectError(s.fetchData(during), 'NOT_FOUND');
      expect(await keysOf(p.store)).to.deep.equal([]);
    });

    it("holds a save that starts during gc's final step until the step is done: a blob it finds present is not then deleted", async () => {
      const garbage = await s.save(branch(12));
      const pause = p.pauseAt('deleteMany');
      const gc = s.gc();
      await pause.reached;
      // The same graph again: every blob is still there (the delete waits), so a save let through
      // now would find them present, write nothing, and be acknowledged just before they go.
      let saved = false;
      const again = s.save(branch(12)).then((k) => ((saved = true), k));
      // Every step here is a promise chain (no I/O), so one macrotask turn runs it as far as it goes.
      await new Promise((r) => setImmediate(r));
      expect(saved).to.equal(false);
      pause.release();
      await gc;
      expect(await again).to.equal(garbage);
      expect((await s.load(Branch, garbage)).leaf.n).to.equal(12);
    });

    if (backend.files !== true)
      it('reports gc progress: marking, then listing, with counts that only grow', async () => {
        await fillers(p.store, 1100);
        const rooted = await s.save(branch(13));
        await s.setRoot('r', rooted);
        const seen: Array<[string, number]> = [];
        await s.gc((phase, done) => seen.push([phase, done]));
        const phases = seen.map(([p]) => p);
        expect(phases).to.include('mark').and.include('sweep');
        expect(phases.indexOf('sweep')).to.be.greaterThan(phases.indexOf('mark'));
        const sweeps = seen.filter(([p]) => p === 'sweep').map(([, n]) => n);
        expect(sweeps).to.deep.equal([...sweeps].sort((a, b) => a - b));
        expect(sweeps.at(-1)).to.equal(1000);
        expect(seen.find(([p]) => p === 'mark')![1]).to.be.greaterThan(0);
      });

    it('reports what it removed: freed and kept add up to what was listed, bytes to what was deleted', async () => {
      const keep = await s.save(branch(8));
      await s.setRoot('keep', keep);
      for (let i = 0; i < 5; i++) await s.save(branch(100 + i));
      const before = await keysOf(p.store);
      const bytes = (await Promise.all(before.map((k) => s.fetchData(k)))).reduce((a, b) => a + b.data.length, 0);
      const report = await s.gc();
      const after = await keysOf(p.store);
      const left = (await Promise.all(after.map((k) => s.fetchData(k)))).reduce((a, b) => a + b.data.length, 0);
      expect(report.freedBlobs).to.equal(10);
      expect(report.keptBlobs).to.equal(after.length);
      expect(before.length - after.length).to.equal(10);
      expect(report.freedBytes).to.equal(bytes - left);
      expect((await s.gc()).freedBlobs).to.equal(0);
    });
  });
}

describe('gc windows on a store shared by several handles (a sweep guard)', () => {
  let p: PausableStore;
  let gcHandle: PagableStorageBase;
  let writer: PagableStorageBase;

  beforeEach(() => {
    p = pausable(guarded(new MemoryBlobStore()));
    gcHandle = new PagableStorageBase(p.store);
    writer = new PagableStorageBase(p.store);
  });

  afterEach(async () => {
    await gcHandle.close();
  });

  it('deletes parents before children: a blob another handle reuses between two delete batches keeps its children', async () => {
    // A stored arc the writer still holds: its blob P (a Branch) and P's child C (a Leaf).
    const arc = PagableArc.new(branch(9), writer);
    arc.unpin();
    await writer.pageOutPending();
    const holder = Object.assign(new Holder(), { tag: 'first', branch: arc });
    await writer.save(holder);
    const P = arc.dataKey!;
    const C = (await writer.fetchData(P)).arcs[0]!;
    // More garbage than one delete batch (1024 keys), listed with C first and P last: a gc that
    // deleted in listing order would free C in the first batch and P only in the second.
    await fillers(p.store, 1100);
    p.order = (keys) => [C, ...keys.filter((k) => k !== C && k !== P), P];

    const pause = p.pauseAt('deleteIfUntouched', 2);
    const gc = gcHandle.gc();
    await pause.reached;
    // Between the batches the writer saves a new graph that reuses P (touching it: still there).
    const second = await writer.save(Object.assign(new Holder(), { tag: 'second', branch: arc }));
    pause.release();
    await gc;

    const back = await writer.load(Holder, second);
    const pin = await back.branch.pin();
    expect(pin.value.leaf.n).to.equal(9);
    pin.release();
  });

  it('keeps what another handle writes while a delete batch waits, with everything below it, and reports only what it deleted', async () => {
    const reused = await writer.save(branch(10));
    for (let i = 0; i < 20; i++) await writer.storeData({ data: Uint8Array.from([i]), arcs: [] });
    const before = (await keysOf(p.store)).length;
    const pause = p.pauseAt('deleteIfUntouched');
    const gc = gcHandle.gc();
    await pause.reached;
    // Another handle stores the same graph again (finds it present: recorded) and a new one.
    expect(await writer.save(branch(10))).to.equal(reused);
    const fresh = await writer.save(branch(11));
    pause.release();
    const report = await gc;
    expect((await writer.load(Branch, reused)).leaf.n).to.equal(10);
    expect((await writer.load(Branch, fresh)).leaf.n).to.equal(11);
    const after = (await keysOf(p.store)).length;
    expect(report.freedBlobs).to.equal(20);
    expect(before + 2 - report.freedBlobs).to.equal(after);
    // The guard's first answer was "touched": the batch was retried after marking.
    expect(p.calls.get('deleteIfUntouched')).to.equal(2);
  });
});
