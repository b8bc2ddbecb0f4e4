/*
 * The BlobStore conformance suite: what every backend's raw I/O must do, whatever it runs on.
 * Run it on a custom backend as `blobStoreConformance({ name, create: () => new MyStore() })`.
 * Public API only; assertions with node:assert.
 */
import assert from 'node:assert/strict';
import { isPromise } from '../blobstore/await.js';
import type { Await, BlobEntry, BlobStore } from '../blobstore/interface.js';
import { computeKey } from '../keys/compute-key.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { type TestHarness, resolveHarness } from './harness.js';

/** How the suite gets a fresh, empty store of one backend. */
export interface BlobStoreFactory {
  /** The backend's name, used in the suite's title. */
  name: string;
  /** A fresh, empty store; each test creates its own and closes it. */
  create(): Await<BlobStore>;
}

/** A blob whose data is the UTF-8 of `text`, with children `arcs`, and its key. */
export function entryOf(text: string, arcs: DataKey[] = []): BlobEntry {
  const data: PagableData = { data: new TextEncoder().encode(text), arcs };
  return { key: computeKey(data), data };
}

async function collect(keys: AsyncIterable<DataKey> | Iterable<DataKey>): Promise<DataKey[]> {
  const out: DataKey[] = [];
  for await (const k of keys) out.push(k);
  return out;
}

/** Registers the BlobStore suite for one backend with the test framework. */
export function blobStoreConformance(factory: BlobStoreFactory, harness?: Partial<TestHarness>): void {
  const { describe, it, beforeEach, afterEach } = resolveHarness(harness);
  describe(`blob store conformance: ${factory.name}`, () => {
    let s: BlobStore;
    beforeEach(async () => {
      s = await factory.create();
    });
    afterEach(async () => {
      await s.close();
    });

    it('has a name for messages', () => {
      assert.equal(typeof s.name, 'string');
      assert.ok(s.name.length > 0);
    });

    it('putMany writes absent blobs and reports which it wrote; getMany returns them in order', async () => {
      const a = entryOf('a');
      const b = entryOf('b', [a.key]);
      assert.deepEqual(await s.putMany([a, b]), [true, true]);
      const got = await s.getMany([b.key, a.key, entryOf('absent').key]);
      assert.equal(got.length, 3);
      assert.deepEqual([...got[0]!.data], [...b.data.data]);
      assert.deepEqual(got[0]!.arcs, [a.key]);
      assert.deepEqual([...got[1]!.data], [...a.data.data]);
      assert.deepEqual(got[1]!.arcs, []);
      assert.equal(got[2], undefined);
    });

    it('never overwrites: a second put of a key is not written and leaves the first blob', async () => {
      const a = entryOf('first');
      await s.putMany([a]);
      const impostor: BlobEntry = { key: a.key, data: { data: new Uint8Array([9, 9]), arcs: [] } };
      assert.deepEqual(await s.putMany([impostor, a]), [false, false]);
      assert.deepEqual([...(await s.getMany([a.key]))[0]!.data], [...a.data.data]);
    });

    it('putManySync, where offered, writes as putMany does and is done when it returns', async () => {
      const putManySync = s.putManySync;
      if (putManySync === undefined) return;
      const a = entryOf('sync');
      const r = putManySync.call(s, [a, entryOf('sync 2', [a.key]), a]);
      assert.equal(isPromise(r), false);
      assert.deepEqual(r, [true, true, false]);
      assert.deepEqual(putManySync.call(s, [a]), [false]);
      assert.deepEqual(await s.hasMany([a.key, entryOf('sync 2', [a.key]).key]), [true, true]);
      assert.deepEqual([...(await s.getMany([a.key]))[0]!.data], [...a.data.data]);
    });

    it('writes a key repeated within one batch once', async () => {
      const a = entryOf('twice');
      const r = await s.putMany([a, a, entryOf('other'), a]);
      assert.deepEqual(r, [true, false, true, false]);
      assert.deepEqual((await collect(s.keys())).sort(), [a.key, entryOf('other').key].sort());
    });

    it('round trips empty data, many children and a large blob', async () => {
      const kids = Array.from({ length: 300 }, (_, i) => entryOf(`kid ${i}`).key);
      const many: BlobEntry = { key: '', data: { data: new Uint8Array(0), arcs: kids } };
      const bigData = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 255);
      const big: BlobEntry = { key: computeKey({ data: bigData, arcs: [] }), data: { data: bigData, arcs: [] } };
      const empty = entryOf('');
      const m: BlobEntry = { key: computeKey(many.data), data: many.data };
      await s.putMany([m, big, empty]);
      const [gm, gb, ge] = await s.getMany([m.key, big.key, empty.key]);
      assert.deepEqual(gm!.arcs, kids);
      assert.equal(gm!.data.length, 0);
      assert.equal(gb!.data.length, bigData.length);
      assert.ok(gb!.data.every((x, i) => x === bigData[i]));
      assert.equal(ge!.data.length, 0);
    });

    it('hasMany answers per key', async () => {
      const a = entryOf('here');
      await s.putMany([a]);
      assert.deepEqual(await s.hasMany([a.key, entryOf('not here').key, a.key]), [true, false, true]);
    });

    it('keys lists every stored key once', async () => {
      const es = Array.from({ length: 2500 }, (_, i) => entryOf(`blob ${i}`));
      await s.putMany(es);
      const keys = await collect(s.keys());
      assert.equal(keys.length, es.length);
      assert.equal(new Set(keys).size, es.length);
      assert.deepEqual(new Set(keys), new Set(es.map((e) => e.key)));
    });

    it('deleteMany removes blobs and returns the data bytes freed (absent keys free nothing)', async () => {
      const a = entryOf('12345');
      const b = entryOf('123');
      const c = entryOf('kept');
      await s.putMany([a, b, c]);
      assert.equal(await s.deleteMany([a.key, b.key, entryOf('never').key]), 8);
      assert.deepEqual(await s.hasMany([a.key, b.key, c.key]), [false, false, true]);
      assert.equal(await s.deleteMany([a.key]), 0);
      assert.deepEqual(await collect(s.keys()), [c.key]);
      // A deleted key can be stored again.
      assert.deepEqual(await s.putMany([a]), [true]);
    });

    it('roots: set only when the blob is present, read, list, delete', async () => {
      const a = entryOf('rooted');
      assert.equal(await s.setRoot('main', a.key), false);
      assert.equal(await s.getRoot('main'), undefined);
      await s.putMany([a]);
      assert.equal(await s.setRoot('main', a.key), true);
      assert.equal(await s.setRoot('ünïcode ✓', a.key), true);
      assert.equal(await s.getRoot('main'), a.key);
      const roots = (await s.listRoots()).sort((x, y) => (x.name < y.name ? -1 : 1));
      assert.deepEqual(roots, [
        { name: 'main', key: a.key },
        { name: 'ünïcode ✓', key: a.key },
      ]);
      assert.equal(await s.deleteRoot('main'), true);
      assert.equal(await s.deleteRoot('main'), false);
      assert.equal(await s.getRoot('main'), undefined);
    });

    it('root names are kept exactly, lone UTF-16 surrogates included: never two names in one slot', async () => {
      const a = entryOf('high');
      const b = entryOf('low');
      await s.putMany([a, b]);
      const names = ['\uD800', '\uDFFF', '\uDFFF\uD800', '\uD800\uDC00', '\uFFFD', '\uDBFF'.repeat(1024)];
      for (const [i, name] of names.entries()) assert.equal(await s.setRoot(name, i % 2 === 0 ? a.key : b.key), true);
      for (const [i, name] of names.entries()) assert.equal(await s.getRoot(name), i % 2 === 0 ? a.key : b.key);
      const listed = await s.listRoots();
      assert.equal(listed.length, names.length);
      assert.deepEqual(new Map(listed.map((r) => [r.name, r.key])), new Map(names.map((n, i) => [n, i % 2 === 0 ? a.key : b.key])));
      assert.equal(await s.deleteRoot('\uDFFF'), true);
      assert.equal(await s.getRoot('\uD800'), a.key);
      assert.equal(await s.deleteRoot('\uDFFF'), false);
    });

    it('a long root name works', async () => {
      const a = entryOf('long');
      await s.putMany([a]);
      const name = 'ж'.repeat(1024);
      assert.equal(await s.setRoot(name, a.key), true);
      assert.equal(await s.getRoot(name), a.key);
      assert.deepEqual(
        (await s.listRoots()).map((r) => r.name),
        [name],
      );
    });

    it('getSync, where offered, agrees with getMany', async () => {
      const a = entryOf('sync', [entryOf('x').key]);
      await s.putMany([a]);
      if (s.getSync === undefined) return;
      const got = s.getSync(a.key);
      assert.ok(got !== undefined && !isPromise(got as unknown as Promise<unknown>));
      assert.deepEqual([...got.data], [...a.data.data]);
      assert.deepEqual(got.arcs, a.data.arcs);
      assert.equal(s.getSync(entryOf('missing').key), undefined);
    });

    it('count, where offered, covers the store', async () => {
      if (s.count === undefined) return;
      await s.putMany([entryOf('one'), entryOf('three')]);
      const c = await s.count();
      assert.deepEqual(c, { blobs: 2, bytes: 8 });
    });

    it('flush resolves; data written before it reads back', async () => {
      const a = entryOf('durable');
      await s.putMany([a]);
      await s.flush();
      assert.deepEqual(await s.hasMany([a.key]), [true]);
    });

    it('blobs read back are not views the caller can use to change the store', async () => {
      const a = entryOf('immutable');
      await s.putMany([a]);
      const [got] = await s.getMany([a.key]);
      got!.data.fill(0);
      got!.arcs.push(a.key);
      const [again] = await s.getMany([a.key]);
      assert.deepEqual([...again!.data], [...a.data.data]);
      assert.deepEqual(again!.arcs, []);
    });

    it('viewSync, where offered, reads what getSync reads, and stays valid after deletes', async () => {
      if (s.viewSync === undefined) return;
      const a = entryOf('viewed');
      const b = entryOf('viewed too');
      await s.putMany([a, b]);
      const view = s.viewSync(a.key)!;
      assert.deepEqual([...view.data], [...a.data.data]);
      assert.deepEqual(view.arcs, a.data.arcs);
      assert.equal(s.viewSync(entryOf('never stored').key), undefined);
      await s.deleteMany([a.key]);
      await s.putMany([entryOf('written after the delete')]);
      // The view read earlier still holds the blob's bytes (a reader decoding it is not disturbed).
      assert.deepEqual([...view.data], [...a.data.data]);
      assert.deepEqual([...s.viewSync(b.key)!.data], [...b.data.data]);
    });
  });
}
