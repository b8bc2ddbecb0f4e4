import assert from 'node:assert/strict';
import { PagableArc } from '../arc/pagable-arc.js';
import { PagableError } from '../error.js';
import type { PagableStorageBase } from '../paging/storage-base.js';
import { InMemoryPagableStorage } from '../paging/memory-storage.js';
import { expectPagableError } from './expect-error.js';
import type { StorageFactory, TestHarness } from './harness.js';
import { Dep, Module, Package } from './models.js';
import { samplePackage } from './sample-package.js';

/*
 * The part of the storage conformance suite about paging between storages and by itself:
 * arcs bound to another storage, automatic page-out, drain(). Registered by storageConformance
 * inside its own describe block (`current()` is the storage its beforeEach created).
 */

/** Registers the paging part of the storage suite; called by storageConformance. */
export function pagingConformance(
  factory: StorageFactory,
  current: () => PagableStorageBase,
  { describe, it }: Pick<TestHarness, 'describe' | 'it'>,
): void {
  describe('other storages', () => {
    it('save copies the blobs of arcs bound to another storage, without changing them', async () => {
      const other = new InMemoryPagableStorage();
      const arc = PagableArc.new(Module.of('far.ts', 3), other);
      arc.unpin();
      await other.pageOutPending();
      const farKey = arc.dataKey!;
      const p = samplePackage(current());
      p.entry = arc;
      const key = await current().save(p);
      await other.close();
      const back = await current().load(Package, key);
      const pin = await back.entry!.pin();
      assert.equal(pin.value.path, 'far.ts');
      assert.equal(back.entry!.dataKey, farKey);
      assert.equal(arc.dataKey, farKey);
    });
  });

  describe('automatic page-out', () => {
    it("pages out by itself once more than maxPending arcs wait, off the caller's stack, and reports", async () => {
      const reports: number[] = [];
      const auto = await factory.create({ autoPageOut: { maxPending: 3 }, onPageOut: (r) => reports.push(r.pagedOut) });
      try {
        const arcs = Array.from({ length: 5 }, (_, i) => PagableArc.new(Dep.of(`auto-${i}`), auto));
        for (const a of arcs) a.unpin();
        // Nothing ran on the stack of unpin().
        assert.equal(
          arcs.every((a) => !a.isPagedOut),
          true,
        );
        const deadline = Date.now() + 10_000;
        while (!arcs.every((a) => a.isPagedOut) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        assert.equal(
          arcs.every((a) => a.isPagedOut),
          true,
        );
        assert.equal(
          reports.reduce((a, b) => a + b, 0),
          5,
        );
        assert.equal(auto.stats().autoPagedOut, 5);
        assert.ok((auto.stats().autoPageOuts ?? 0) >= 1);
        assert.equal((await arcs[4]!.pin()).value.name, 'auto-4');
      } finally {
        await auto.close();
      }
    });

    it('reports values that cannot be encoded to onPageOut, never as an unhandled rejection', async () => {
      const failed: PagableError[] = [];
      const auto = await factory.create({ autoPageOut: { maxPending: 0 }, onPageOut: (r) => failed.push(...r.failed) });
      try {
        const bad = PagableArc.new(Object.assign(Dep.of('bad'), { deps: [Symbol('x')] as unknown as Dep[] }), auto);
        bad.unpin();
        const deadline = Date.now() + 10_000;
        while (failed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        assert.equal(failed.length, 1);
        assert.ok(failed[0] instanceof PagableError);
        assert.equal(bad.isPagedOut, false);
      } finally {
        await auto.close();
      }
    });

    it('drain() waits until the automatic page-out has brought the queue under maxPending', async () => {
      const auto = await factory.create({ autoPageOut: { maxPending: 2 } });
      try {
        const arcs = Array.from({ length: 5 }, (_, i) => PagableArc.new(Dep.of(`drain-${i}`), auto));
        for (const a of arcs) a.unpin();
        await auto.drain();
        assert.ok(auto.pendingPagingCount() <= 2);
        assert.equal((await arcs[4]!.pin()).value.name, 'drain-4');
      } finally {
        await auto.close();
      }
    });

    it('drain() resolves when nothing waits; without autoPageOut it pages out what waits', async () => {
      await current().drain();
      const arc = PagableArc.new(Dep.of('drained'), current());
      arc.unpin();
      await current().drain();
      assert.equal(arc.isPagedOut, true);
      assert.equal(current().pendingPagingCount(), 0);
    });

    it('drain() rejects with STORAGE_CLOSED once the storage is closed', async () => {
      const closed = await factory.create();
      await closed.close();
      await expectPagableError(() => closed.drain(), 'STORAGE_CLOSED');
    });

    it('without autoPageOut nothing pages out by itself, and stats() has no automatic counters', async () => {
      const arc = PagableArc.new(Dep.of('manual'), current());
      arc.unpin();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(arc.isPagedOut, false);
      assert.equal('autoPageOuts' in current().stats(), false);
    });
  });
}
