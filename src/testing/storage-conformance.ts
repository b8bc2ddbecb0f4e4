/*
 * The paging conformance suite: what every storage does, whatever BlobStore it pages through.
 * The project's own storages (memory, LMDB, Redis, Redis Cluster, tiered) run it unchanged;
 * a custom backend runs it as `storageConformance({ name, create: () => new
 * PagableStorageBase(myStore), syncFetch })`. Public API only; assertions with node:assert.
 */
import assert from 'node:assert/strict';
import { PagableArc } from '../arc/pagable-arc.js';
import { PagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import type { DataKey } from '../keys/data.js';
import type { PagableStorageBase } from '../paging/storage-base.js';
import { expectPagableError } from './expect-error.js';
import { type StorageFactory, type TestHarness, resolveHarness } from './harness.js';
import { samplePackage } from './sample-package.js';
import { pagingConformance } from './paging-conformance.js';
import { Circle, Dep, LazyLink, Link, Module, Package, Square } from './models.js';

/** Registers the paging suite for one backend with the test framework. */
export function storageConformance(factory: StorageFactory, harness?: Partial<TestHarness>): void {
  const { describe, it, beforeEach, afterEach } = resolveHarness(harness);
  describe(`storage conformance: ${factory.name}`, function () {
    let s: PagableStorageBase;
    beforeEach(async () => {
      s = await factory.create();
    });
    afterEach(async () => {
      await s.close();
    });

    describe('blobs', () => {
      it('storeData returns computeKey of the data and fetchData returns it', async () => {
        const data = { data: new Uint8Array([1, 2, 3]), arcs: [] as DataKey[] };
        const key = await s.storeData(data);
        assert.equal(key, '60acc560af3c172804ca72879e2bdc57');
        const back = await s.fetchData(key);
        assert.deepEqual([...back.data], [1, 2, 3]);
        assert.deepEqual(back.arcs, []);
      });

      it('stores equal data once and counts the repeat as a dedup hit', async () => {
        const child = await s.storeData({ data: new Uint8Array([9]), arcs: [] });
        const d = { data: new TextEncoder().encode('pagable'), arcs: [child] };
        const k1 = await s.storeData(d);
        const k2 = await s.storeData({ data: new TextEncoder().encode('pagable'), arcs: [child] });
        assert.equal(k1, k2);
        assert.equal(k1, computeKey(d));
        const st = s.stats();
        assert.equal(st.stores, 3);
        assert.equal(st.dedupHits, 1);
        assert.equal(st.blobs, 2);
        assert.equal(st.bytes, 8);
        assert.deepEqual((await s.fetchData(k1)).arcs, [child]);
      });

      it('is not affected by the caller mutating its buffer after storeData', async () => {
        const buf = new Uint8Array([4, 5, 6]);
        const key = await s.storeData({ data: buf, arcs: [] });
        buf[0] = 99;
        assert.deepEqual([...(await s.fetchData(key)).data], [4, 5, 6]);
      });

      it('fetchData of an absent key is NOT_FOUND naming the key', async () => {
        const e = await expectPagableError(s.fetchData('0123456789abcdef0123456789abcdef'), 'NOT_FOUND');
        assert.ok(e.message.includes('0123456789abcdef0123456789abcdef'));
      });

      it('fetchData of a malformed key is a PagableError', async () => {
        await expectPagableError(s.fetchData('nope'), 'NOT_FOUND');
      });

      it('counts fetches', async () => {
        const key = await s.storeData({ data: new Uint8Array([1]), arcs: [] });
        await s.fetchData(key);
        await s.fetchData(key);
        assert.equal(s.stats().fetches, 2);
      });

      if (factory.syncFetch) {
        it('fetchDataSync returns stored blobs', async () => {
          const key = await s.storeData({ data: new Uint8Array([7]), arcs: [] });
          assert.deepEqual([...s.fetchDataSync(key).data], [7]);
        });
      }
    });

    describe('save / load', () => {
      it('round trips a graph with classes, sharing, polymorphism and lazy children', async () => {
        const p = samplePackage(s);
        const key = await s.save(p);
        const back = await s.load(Package, key);
        assert.ok(back instanceof Package);
        assert.equal(back.name, 'web');
        assert.deepEqual(
          [...back.meta],
          [
            ['license', 'MIT'],
            ['owner', 'ui-team'],
          ],
        );
        assert.equal(back.modules.length, 2);
        assert.ok(back.modules[0] instanceof Module);
        assert.ok(back.modules[0]!.icon instanceof Circle);
        assert.ok(back.modules[1]!.icon instanceof Square);
        assert.equal(back.modules[1]!.icon!.area(), 4);
        // Sharing: react is the main dep and imported by a.ts; tslib everywhere.
        const react = back.modules[0]!.imports[0]!;
        assert.equal(back.main, react);
        assert.equal(back.modules[0]!.imports[1]!.deps[0], react);
        assert.equal(back.modules[1]!.imports[0], react.deps[0]);
        // Lazy: paged out until pinned.
        assert.equal(back.entry!.isPagedOut, true);
        const entry = await back.entry!.pin();
        assert.equal(entry.value.path, 'src/index.ts');
        assert.equal(entry.value.imports[0]!.name, 'react-dom');
        // The lazy child's dependency is the same object as the eager one.
        assert.equal(entry.value.imports[0], back.modules[0]!.imports[1]);
        entry.release();
      });

      it('gives equal graphs the same key and stores them once', async () => {
        const k1 = await s.save(samplePackage(s));
        const before = s.stats();
        const k2 = await s.save(samplePackage(s));
        const after = s.stats();
        assert.equal(k2, k1);
        assert.equal(after.blobs, before.blobs);
        assert.equal(after.bytes, before.bytes);
        assert.equal(after.dedupHits - before.dedupHits, after.stores - before.stores);
      });

      it('encodes an object reachable along many paths once per save', async () => {
        const shared = Dep.of('shared');
        const deps = Array.from({ length: 50 }, (_, i) => Dep.of(`d${i}`, '1', [shared]));
        await s.save(Dep.of('root', '1', deps));
        // root + 50 deps + shared, each stored exactly once; + 2 schema blobs (the writer's schema
        // travels with the data): the schema set every Dep blob refers to, and Dep's class schema.
        assert.equal(s.stats().stores, 52 + 2);
        assert.equal(s.stats().blobs, 52 + 2);
      });

      it('loads a tagged root through its base class as the tagged subclass', async () => {
        const key = await s.save(Circle.of(3));
        const back = await s.load(Circle, key);
        assert.ok(back instanceof Circle);
        const viaBase = await s.load(Square as unknown as typeof Circle, key).catch((e: unknown) => e);
        assert.ok(viaBase instanceof PagableError);
        assert.equal((viaBase as PagableError).code, 'TYPE_MISMATCH');
      });

      it('returns the same object for a blob loaded twice while it is alive', async () => {
        const key = await s.save(Dep.of('x'));
        const a = await s.load(Dep, key);
        const b = await s.load(Dep, key);
        assert.equal(a, b);
      });

      it('load of an absent key is NOT_FOUND naming the key', async () => {
        const e = await expectPagableError(s.load(Dep, 'fedcba9876543210fedcba9876543210'), 'NOT_FOUND');
        assert.ok(e.message.includes('fedcba9876543210fedcba9876543210'));
      });

      it('load of a blob that does not decode is CORRUPT naming the key', async () => {
        const key = await s.storeData({ data: new Uint8Array([0x92, 0xc1]), arcs: [] });
        const e = await expectPagableError(s.load(Dep, key), 'CORRUPT');
        assert.ok(e.message.includes(key));
      });

      it('saves and loads a 10,000-long @Shared chain and @Lazy chain', async () => {
        let head: Link | undefined;
        for (let i = 0; i < 10_000; i++) head = Object.assign(new Link(), { n: i, next: head });
        const key = await s.save(head!);
        let back: Link | undefined = await s.load(Link, key);
        let count = 0;
        while (back) {
          count++;
          back = back.next;
        }
        assert.equal(count, 10_000);

        let lazy: PagableArc<LazyLink> | undefined;
        for (let i = 0; i < 10_000; i++) lazy = PagableArc.new(Object.assign(new LazyLink(), { n: i, next: lazy }), s);
        const lk = await s.save(lazy!);
        const top = await s.load(LazyLink, lk);
        assert.equal(top.n, 9_999);
        assert.equal(top.next!.isPagedOut, true);
      });
    });

    describe('arcs', () => {
      it('pages out an unpinned arc and pins it back', async () => {
        const arc = PagableArc.new(Dep.of('lazy', '2'), s);
        arc.unpin();
        assert.equal(s.pendingPagingCount(), 1);
        const report = await s.pageOutPending();
        assert.deepEqual(report.failed, []);
        assert.equal(report.pagedOut, 1);
        assert.equal(arc.isPagedOut, true);
        assert.equal(typeof arc.dataKey, 'string');
        const pin = await arc.pin();
        assert.ok(pin.value instanceof Dep);
        assert.equal(pin.value.version, '2');
        pin.release();
      });

      if (factory.syncFetch) {
        it('pinSync pages in synchronously', async () => {
          const arc = PagableArc.new(Dep.of('sync'), s);
          arc.unpin();
          await s.pageOutPending();
          assert.equal(arc.pinSync().value.name, 'sync');
        });
      }

      it('single flight: concurrent pins fetch once and share one object', async () => {
        const arc = PagableArc.new(Dep.of('many'), s);
        arc.unpin();
        await s.pageOutPending();
        const before = s.stats().fetches;
        const pins = await Promise.all(Array.from({ length: 50 }, () => arc.clone().pin()));
        assert.equal(s.stats().fetches - before, 1);
        for (const p of pins) assert.equal(p.value, pins[0]!.value);
      });

      it('after close, pins of paged-out arcs reject with STORAGE_CLOSED and nothing else throws', async () => {
        const arc = PagableArc.new(Dep.of('gone'), s);
        arc.unpin();
        await s.pageOutPending();
        await s.close();
        await expectPagableError(arc.pin(), 'STORAGE_CLOSED');
        const live = PagableArc.new(Dep.of('live'), s);
        live.unpin();
        assert.equal(s.pendingPagingCount(), 0);
        await expectPagableError(s.fetchData(arc.dataKey!), 'STORAGE_CLOSED');
        await expectPagableError(s.save(Dep.of('x')), 'STORAGE_CLOSED');
        await s.close();
      });
    });

    describe('roots and gc', () => {
      it('keeps what roots reach and frees the rest', async () => {
        const kept = await s.save(samplePackage(s));
        const dropped = await s.save(Dep.of('orphan', '0', [Dep.of('orphan-child')]));
        await s.setRoot('main', kept);
        assert.equal(await s.getRoot('main'), kept);
        assert.deepEqual(await s.listRoots(), [{ name: 'main', key: kept }]);
        const before = s.stats();
        const report = await s.gc();
        assert.equal(report.freedBlobs, 2);
        assert.equal(report.keptBlobs, before.blobs - 2);
        assert.equal(s.stats().blobs, before.blobs - 2);
        await expectPagableError(s.fetchData(dropped), 'NOT_FOUND');
        const back = await s.load(Package, kept);
        assert.equal(back.name, 'web');
        assert.equal(await s.deleteRoot('main'), true);
        assert.equal(await s.getRoot('main'), undefined);
      });

      it('setRoot of an absent key is NOT_FOUND', async () => {
        await expectPagableError(s.setRoot('x', '0123456789abcdef0123456789abcdef'), 'NOT_FOUND');
      });

      it('root names are checked: INVALID_ARGUMENT for an empty or overlong name', async () => {
        const key = await s.save(Dep.of('named'));
        await expectPagableError(s.setRoot('', key), 'INVALID_ARGUMENT');
        await expectPagableError(s.setRoot('x'.repeat(1025), key), 'INVALID_ARGUMENT');
        await s.setRoot('x'.repeat(1024), key);
        assert.equal(await s.getRoot('x'.repeat(1024)), key);
      });

      it('root names are kept exactly, lone surrogates included: each names its own root', async () => {
        const a = await s.save(Dep.of('high'));
        const b = await s.save(Dep.of('low'));
        const names = ['\uD800', '\uDFFF', '\uDFFF\uD800', '\uD800\uDC00', '\uFFFD', 'x\uDBFF'];
        for (const [i, name] of names.entries()) await s.setRoot(name, i % 2 === 0 ? a : b);
        for (const [i, name] of names.entries()) assert.equal(await s.getRoot(name), i % 2 === 0 ? a : b, JSON.stringify(name));
        const listed = (await s.listRoots()).map((r): [string, DataKey] => [r.name, r.key]);
        assert.deepEqual(new Map(listed), new Map(names.map((n, i) => [n, i % 2 === 0 ? a : b])));
        assert.equal(listed.length, names.length);
        for (const name of names.filter((n) => n !== '\uD800')) assert.equal(await s.deleteRoot(name), true);
        await s.gc();
        assert.deepEqual(await s.listRoots(), [{ name: '\uD800', key: a }]);
        assert.equal((await s.load(Dep, a)).name, 'high');
        await expectPagableError(s.fetchData(b), 'NOT_FOUND');
      });

      it('gc never deletes what a save still in flight wrote: its key loads', async () => {
        const saves = Array.from({ length: 20 }, (_, i) => s.save(Dep.of(`racing-${i}`, '1', [Dep.of(`child-${i}`)])));
        const gc = s.gc();
        const keys = await Promise.all(saves);
        await gc;
        for (const k of keys) assert.equal((await s.load(Dep, k)).deps.length, 1);
      });

      it('gc racing save + setRoot loops never leaves a root naming a missing blob', async () => {
        let stop = false;
        const gcs = (async () => {
          while (!stop) await s.gc();
        })();
        for (let i = 0; i < 30; i++) {
          const key = await s.save(Dep.of(`rooted-${i}`, '1', [Dep.of(`leaf-${i}`)]));
          await s.setRoot(`r${i % 5}`, key);
        }
        stop = true;
        await gcs;
        await s.gc();
        for (const { key } of await s.listRoots()) assert.equal((await s.load(Dep, key)).deps.length, 1);
      });

      it('concurrent gc() calls share one run', async () => {
        const a = s.gc();
        const b = s.gc();
        assert.equal(a, b);
        await a;
      });
    });

    pagingConformance(factory, () => s, { describe, it });
  });
}
