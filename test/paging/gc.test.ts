import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataKey, LmdbPagableStorage, MemoryBlobStore, PagableStorageBase } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Branch, branch, fillers, Forest, keysOf, Tree, tree } from '../support/gc-models.js';
import { guarded, pausable, type PausableCall } from '../support/pausable-store.js';

/*
 * gc on what can go wrong: a store call failing at each step (IO naming the step, the sweep closed
 * again), a damaged store (a root whose child is missing, a listed key gone before it is read), and
 * whole garbage graphs on a store shared by several handles (parents first, every level freed).
 */

async function sizeOf(s: PagableStorageBase, keys: readonly DataKey[]): Promise<number> {
  let n = 0;
  for (const k of keys) n += (await s.fetchData(k)).data.length;
  return n;
}

describe('gc when a store call fails', () => {
  // [call, the step the error names, needs a sweep guard, which call of it fails]
  const STEPS: Array<[PausableCall, string, boolean, number?]> = [
    ['begin', 'gc: opening a sweep', true],
    ['listRoots', 'gc: listing roots', false],
    ['listRoots', 'gc: listing roots', false, 2], // the final step's
    ['getMany', 'gc: reading blobs', false],
    ['touchedSince', 'gc: reading the sweep log', true],
    ['keys', 'gc: listing blobs', false],
    ['deleteMany', 'gc: deleting blobs', false],
    ['deleteIfUntouched', 'gc: deleting blobs', true],
  ];
  for (const [call, step, needsGuard, nth] of STEPS) {
    for (const async of [false, true]) {
      it(`${call}${nth === undefined ? '' : ` (call ${nth})`} failing${async ? ' (asynchronously)' : ''} is IO naming "${step}" and the store; the sweep is closed and the next gc works`, async () => {
        const inner = guarded(new MemoryBlobStore());
        const p = pausable(needsGuard ? inner : new MemoryBlobStore(), { async });
        const s = new PagableStorageBase(p.store);
        const kept = await s.save(branch(1));
        await s.setRoot('kept', kept);
        await s.save(branch(2));
        p.failAt(call, nth);
        const e = await expectError(s.gc(), 'IO');
        expect(e.message).to.contain(step).and.contain(p.store.name);
        expect(e.cause).to.be.instanceOf(Error);
        if (needsGuard) expect(inner.openSweeps()).to.equal(0);
        const report = await s.gc();
        expect(report.freedBlobs).to.equal(2);
        expect((await s.load(Branch, kept)).leaf.n).to.equal(1);
        await s.close();
      });
    }
  }

  it('a sweep that cannot be closed does not fail the gc that did its work', async () => {
    const inner = guarded(new MemoryBlobStore());
    const p = pausable(inner);
    const s = new PagableStorageBase(p.store);
    await s.save(branch(3));
    p.failAt('end');
    expect((await s.gc()).freedBlobs).to.be.greaterThan(0);
    await s.close();
  });
});

describe('gc over a damaged store', () => {
  it('keeps a rooted blob whose child is missing, and frees the rest', async () => {
    const store = new MemoryBlobStore();
    const s = new PagableStorageBase(store);
    const missing = 'f'.repeat(32);
    const orphan = await s.storeData({ data: Uint8Array.of(1), arcs: [missing] });
    await s.setRoot('damaged', orphan);
    await s.save(branch(4));
    const report = await s.gc();
    expect(report.keptBlobs).to.equal(1);
    expect(await keysOf(store)).to.deep.equal([orphan]);
    await s.close();
  });

  it('skips a listed key that is gone by the time gc reads it (deleted meanwhile by another handle)', async () => {
    const p = pausable(guarded(new MemoryBlobStore()));
    const s = new PagableStorageBase(p.store);
    await s.save(branch(5));
    const gone = 'e'.repeat(32);
    p.order = (keys) => [gone, ...keys];
    const before = (await keysOf(p.store)).length;
    const report = await s.gc();
    expect(report.freedBlobs).to.equal(before);
    p.order = undefined;
    expect(await keysOf(p.store)).to.deep.equal([]);
    await s.close();
  });
});

describe('gcs of several handles at once', () => {
  const backends: Array<[string, () => Promise<[PagableStorageBase, PagableStorageBase, () => void]>]> = [
    [
      'one memory store',
      async () => {
        const store = new MemoryBlobStore();
        return [new PagableStorageBase(store), new PagableStorageBase(store), () => {}];
      },
    ],
    [
      'one LMDB directory opened twice',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'pagable-gc-twice-'));
        return [
          await LmdbPagableStorage.open(dir),
          await LmdbPagableStorage.open(dir),
          () => rmSync(dir, { recursive: true, force: true }),
        ];
      },
    ],
  ];
  for (const [name, open] of backends) {
    it(`${name}: each handle counts the store as it is after them (never below it), and each freed byte once`, async () => {
      const [s, other, cleanup] = await open();
      try {
        await s.setRoot('kept', await s.save(tree(0)));
        const kept = await keysOf(s.blobStore);
        // Garbage the other handle wrote, some of it the same blobs as the kept tree's.
        for (let i = 0; i <= 40; i++) await other.save(tree(i));
        const garbage = (await keysOf(s.blobStore)).filter((k) => !kept.includes(k));
        expect(garbage.length).to.be.greaterThan(100);
        const bytes = await sizeOf(s, garbage);
        const reports = await Promise.all([s.gc(), other.gc()]);
        expect((await keysOf(s.blobStore)).sort()).to.deep.equal([...kept].sort());
        // Before: the handle whose gc found blobs the other had deleted counted them off again (LMDB: -6000 after 6000 freed).
        expect(s.stats().blobs).to.equal(kept.length);
        expect(other.stats().blobs).to.equal(kept.length);
        expect(reports[0].freedBytes + reports[1].freedBytes).to.equal(bytes);
        for (const r of reports) expect(r.keptBlobs).to.equal(kept.length);
        // Both may count a blob the other deleted first (GcReport.freedBlobs); together they cover every one.
        expect(reports[0].freedBlobs + reports[1].freedBlobs).to.be.at.least(garbage.length);
      } finally {
        await s.close();
        await other.close();
        cleanup();
      }
    });
  }
});

describe('gc of whole garbage graphs on a store shared by several handles', () => {
  for (const async of [false, true]) {
    it(`frees every level of every unreachable graph, more than one delete batch of them, and reports exactly that${async ? ' (asynchronously)' : ''}`, async () => {
      const inner = guarded(new MemoryBlobStore());
      const p = pausable(inner, { async });
      const s = new PagableStorageBase(p.store);
      const other = new PagableStorageBase(p.store);
      const kept = await s.save(tree(0));
      await s.setRoot('kept', kept);
      const keptKeys = await keysOf(p.store);
      // A forest of trees (forest -> trees -> branches -> leaves), listed children first.
      await other.save(Object.assign(new Forest(), { trees: Array.from({ length: 220 }, (_, i) => tree(i + 1)) }));
      await fillers(p.store, 100);
      const all = await keysOf(p.store);
      const garbage = all.filter((k) => !keptKeys.includes(k));
      expect(garbage.length).to.be.greaterThan(1024);
      const bytes = await sizeOf(s, garbage);
      const report = await s.gc();
      expect(report).to.deep.equal({ freedBlobs: garbage.length, freedBytes: bytes, keptBlobs: keptKeys.length });
      expect((await keysOf(p.store)).sort()).to.deep.equal([...keptKeys].sort());
      expect((await s.load(Tree, kept)).branches[1]!.leaf.n).to.equal(1000);
      expect(inner.openSweeps()).to.equal(0);
      await s.close();
    });
  }
});
