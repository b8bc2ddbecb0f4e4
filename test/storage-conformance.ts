/*
 * The storage conformance suite: every backend (memory, LMDB, Redis) runs it unchanged, as
 * ipfs/js-stores' interface tests do. It exercises the public contract only.
 */
import { expect } from 'chai';
import {
  computeKey, type DataKey, InMemoryPagableStorage, PagableArc, PagableError, type PagableStorageBase,
} from '../src/index.js';
import { Circle, Dep, LazyLink, Link, Module, Package, Square } from './support/models.js';
import { expectError } from './support/expect-error.js';

/** How the suite gets a fresh, empty storage of one backend. */
export interface BackendFactory {
  name: string;
  create(): Promise<PagableStorageBase>;
  /** True when the backend implements fetchDataSync (pinSync works). */
  syncFetch: boolean;
}


export function samplePackage(storage: PagableStorageBase): Package {
  const base = Dep.of('tslib', '2.6.0');
  const react = Dep.of('react', '18.2.0', [base]);
  const dom = Dep.of('react-dom', '18.2.0', [react, base]);
  const p = new Package();
  p.name = 'web';
  p.meta = new Map([['license', 'MIT'], ['owner', 'ui-team']]);
  p.modules = [Module.of('src/a.ts', 10, [react, dom], Circle.of(1)), Module.of('src/b.ts', 20, [base], Square.of(2))];
  p.entry = PagableArc.new(Module.of('src/index.ts', 5, [dom]), storage);
  p.main = react;
  return p;
}

export function storageConformance(factory: BackendFactory): void {
  describe(`storage conformance: ${factory.name}`, function () {
    let s: PagableStorageBase;
    beforeEach(async () => { s = await factory.create(); });
    afterEach(async () => { await s.close(); });

    describe('blobs', () => {
      it('storeData returns computeKey of the data and fetchData returns it', async () => {
        const data = { data: new Uint8Array([1, 2, 3]), arcs: [] as DataKey[] };
        const key = await s.storeData(data);
        expect(key).to.equal('60acc560af3c172804ca72879e2bdc57');
        const back = await s.fetchData(key);
        expect([...back.data]).to.deep.equal([1, 2, 3]);
        expect(back.arcs).to.deep.equal([]);
      });

      it('stores equal data once and counts the repeat as a dedup hit', async () => {
        const child = await s.storeData({ data: new Uint8Array([9]), arcs: [] });
        const d = { data: new TextEncoder().encode('pagable'), arcs: [child] };
        const k1 = await s.storeData(d);
        const k2 = await s.storeData({ data: new TextEncoder().encode('pagable'), arcs: [child] });
        expect(k1).to.equal(k2).and.equal(computeKey(d));
        const st = s.stats();
        expect(st.stores).to.equal(3);
        expect(st.dedupHits).to.equal(1);
        expect(st.blobs).to.equal(2);
        expect(st.bytes).to.equal(8);
        expect((await s.fetchData(k1)).arcs).to.deep.equal([child]);
      });

      it('is not affected by the caller mutating its buffer after storeData', async () => {
        const buf = new Uint8Array([4, 5, 6]);
        const key = await s.storeData({ data: buf, arcs: [] });
        buf[0] = 99;
        expect([...(await s.fetchData(key)).data]).to.deep.equal([4, 5, 6]);
      });

      it('fetchData of an absent key is NOT_FOUND naming the key', async () => {
        const e = await expectError(s.fetchData('0123456789abcdef0123456789abcdef'), 'NOT_FOUND');
        expect(e.message).to.contain('0123456789abcdef0123456789abcdef');
      });

      it('fetchData of a malformed key is a PagableError', async () => {
        await expectError(s.fetchData('nope'), 'NOT_FOUND');
      });

      it('counts fetches', async () => {
        const key = await s.storeData({ data: new Uint8Array([1]), arcs: [] });
        await s.fetchData(key);
        await s.fetchData(key);
        expect(s.stats().fetches).to.equal(2);
      });

      if (factory.syncFetch) {
        it('fetchDataSync returns stored blobs', async () => {
          const key = await s.storeData({ data: new Uint8Array([7]), arcs: [] });
          expect([...s.fetchDataSync(key).data]).to.deep.equal([7]);
        });
      }
    });

    describe('save / load', () => {
      it('round trips a graph with classes, sharing, polymorphism and lazy children', async () => {
        const p = samplePackage(s);
        const key = await s.save(p);
        const back = await s.load(Package, key);
        expect(back).to.be.instanceOf(Package);
        expect(back.name).to.equal('web');
        expect([...back.meta]).to.deep.equal([['license', 'MIT'], ['owner', 'ui-team']]);
        expect(back.modules).to.have.length(2);
        expect(back.modules[0]).to.be.instanceOf(Module);
        expect(back.modules[0]!.icon).to.be.instanceOf(Circle);
        expect(back.modules[1]!.icon).to.be.instanceOf(Square);
        expect(back.modules[1]!.icon!.area()).to.equal(4);
        // Sharing: react is the main dep and imported by a.ts; tslib everywhere.
        const react = back.modules[0]!.imports[0]!;
        expect(back.main).to.equal(react);
        expect(back.modules[0]!.imports[1]!.deps[0]).to.equal(react);
        expect(back.modules[1]!.imports[0]).to.equal(react.deps[0]);
        // Lazy: paged out until pinned.
        expect(back.entry!.isPagedOut).to.equal(true);
        const entry = await back.entry!.pin();
        expect(entry.value.path).to.equal('src/index.ts');
        expect(entry.value.imports[0]!.name).to.equal('react-dom');
        // The lazy child's dependency is the same object as the eager one.
        expect(entry.value.imports[0]).to.equal(back.modules[0]!.imports[1]);
        entry.release();
      });

      it('gives equal graphs the same key and stores them once', async () => {
        const k1 = await s.save(samplePackage(s));
        const before = s.stats();
        const k2 = await s.save(samplePackage(s));
        const after = s.stats();
        expect(k2).to.equal(k1);
        expect(after.blobs).to.equal(before.blobs);
        expect(after.bytes).to.equal(before.bytes);
        expect(after.dedupHits - before.dedupHits).to.equal(after.stores - before.stores);
      });

      it('encodes an object reachable along many paths once per save', async () => {
        const shared = Dep.of('shared');
        const deps = Array.from({ length: 50 }, (_, i) => Dep.of(`d${i}`, '1', [shared]));
        await s.save(Dep.of('root', '1', deps));
        // root + 50 deps + shared, each stored exactly once; + 2 schema blobs (the writer's schema
        // travels with the data): the schema set every Dep blob refers to, and Dep's class schema.
        expect(s.stats().stores).to.equal(52 + 2);
        expect(s.stats().blobs).to.equal(52 + 2);
      });

      it('loads a tagged root through its base class as the tagged subclass', async () => {
        const key = await s.save(Circle.of(3));
        const back = await s.load(Circle, key);
        expect(back).to.be.instanceOf(Circle);
        const viaBase = await s.load(Square as unknown as typeof Circle, key).catch((e: unknown) => e);
        expect(viaBase).to.be.instanceOf(PagableError);
        expect((viaBase as PagableError).code).to.equal('TYPE_MISMATCH');
      });

      it('returns the same object for a blob loaded twice while it is alive', async () => {
        const key = await s.save(Dep.of('x'));
        const a = await s.load(Dep, key);
        const b = await s.load(Dep, key);
        expect(a).to.equal(b);
      });

      it('load of an absent key is NOT_FOUND naming the key', async () => {
        const e = await expectError(s.load(Dep, 'fedcba9876543210fedcba9876543210'), 'NOT_FOUND');
        expect(e.message).to.contain('fedcba9876543210fedcba9876543210');
      });

      it('load of a blob that does not decode is CORRUPT naming the key', async () => {
        const key = await s.storeData({ data: new Uint8Array([0x92, 0xc1]), arcs: [] });
        const e = await expectError(s.load(Dep, key), 'CORRUPT');
        expect(e.message).to.contain(key);
      });

      it('saves and loads a 10,000-long @Shared chain and @Lazy chain', async () => {
        let head: Link | undefined;
        for (let i = 0; i < 10_000; i++) head = Object.assign(new Link(), { n: i, next: head });
        const key = await s.save(head!);
        let back: Link | undefined = await s.load(Link, key);
        let count = 0;
        while (back) { count++; back = back.next; }
        expect(count).to.equal(10_000);

        let lazy: PagableArc<LazyLink> | undefined;
        for (let i = 0; i < 10_000; i++) lazy = PagableArc.new(Object.assign(new LazyLink(), { n: i, next: lazy }), s);
        const lk = await s.save(lazy!);
        const top = await s.load(LazyLink, lk);
        expect(top.n).to.equal(9_999);
        expect(top.next!.isPagedOut).to.equal(true);
      });
    });

    describe('arcs', () => {
      it('pages out an unpinned arc and pins it back', async () => {
        const arc = PagableArc.new(Dep.of('lazy', '2'), s);
        arc.unpin();
        expect(s.pendingPagingCount()).to.equal(1);
        const report = await s.pageOutPending();
        expect(report.failed).to.deep.equal([]);
        expect(report.pagedOut).to.equal(1);
        expect(arc.isPagedOut).to.equal(true);
        expect(arc.dataKey).to.be.a('string');
        const pin = await arc.pin();
        expect(pin.value).to.be.instanceOf(Dep);
        expect(pin.value.version).to.equal('2');
        pin.release();
      });

      if (factory.syncFetch) {
        it('pinSync pages in synchronously', async () => {
          const arc = PagableArc.new(Dep.of('sync'), s);
          arc.unpin();
          await s.pageOutPending();
          expect(arc.pinSync().value.name).to.equal('sync');
        });
      }

      it('single flight: concurrent pins fetch once and share one object', async () => {
        const arc = PagableArc.new(Dep.of('many'), s);
        arc.unpin();
        await s.pageOutPending();
        const before = s.stats().fetches;
        const pins = await Promise.all(Array.from({ length: 50 }, () => arc.clone().pin()));
        expect(s.stats().fetches - before).to.equal(1);
        for (const p of pins) expect(p.value).to.equal(pins[0]!.value);
      });

      it('after close, pins of paged-out arcs reject with STORAGE_CLOSED and nothing else throws', async () => {
        const arc = PagableArc.new(Dep.of('gone'), s);
        arc.unpin();
        await s.pageOutPending();
        await s.close();
        await expectError(arc.pin(), 'STORAGE_CLOSED');
        const live = PagableArc.new(Dep.of('live'), s);
        live.unpin();
        expect(s.pendingPagingCount()).to.equal(0);
        await expectError(s.fetchData(arc.dataKey!), 'STORAGE_CLOSED');
        await expectError(s.save(Dep.of('x')), 'STORAGE_CLOSED');
        await s.close();
      });
    });

    describe('roots and gc', () => {
      it('keeps what roots reach and frees the rest', async () => {
        const kept = await s.save(samplePackage(s));
        const dropped = await s.save(Dep.of('orphan', '0', [Dep.of('orphan-child')]));
        await s.setRoot('main', kept);
        expect(await s.getRoot('main')).to.equal(kept);
        expect(await s.listRoots()).to.deep.equal([{ name: 'main', key: kept }]);
        const before = s.stats();
        const report = await s.gc();
        expect(report.freedBlobs).to.equal(2);
        expect(report.keptBlobs).to.equal(before.blobs - 2);
        expect(s.stats().blobs).to.equal(before.blobs - 2);
        await expectError(s.fetchData(dropped), 'NOT_FOUND');
        const back = await s.load(Package, kept);
        expect(back.name).to.equal('web');
        expect(await s.deleteRoot('main')).to.equal(true);
        expect(await s.getRoot('main')).to.equal(undefined);
      });

      it('setRoot of an absent key is NOT_FOUND', async () => {
        await expectError(s.setRoot('x', '0123456789abcdef0123456789abcdef'), 'NOT_FOUND');
      });
    });

    describe('other storages', () => {
      it('save copies the blobs of arcs bound to another storage, without changing them', async () => {
        const other = new InMemoryPagableStorage();
        const arc = PagableArc.new(Module.of('far.ts', 3), other);
        arc.unpin();
        await other.pageOutPending();
        const farKey = arc.dataKey!;
        const p = samplePackage(s);
        p.entry = arc;
        const key = await s.save(p);
        await other.close();
        const back = await s.load(Package, key);
        const pin = await back.entry!.pin();
        expect(pin.value.path).to.equal('far.ts');
        expect(back.entry!.dataKey).to.equal(farKey);
        expect(arc.dataKey).to.equal(farKey);
      });
    });
  });
}
