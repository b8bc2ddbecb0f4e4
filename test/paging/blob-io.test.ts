/*
 * The storage's blob I/O as its counters and errors show it: `stats().blobs` and `bytes` follow
 * what the store holds (writes, writes of blobs already there, gc's deletes) whether the store
 * counts itself or not, and a failed read or write is IO naming the blob or how many.
 */
import { expect } from 'chai';
import {
  type BlobStore,
  type DataKey,
  MemoryBlobStore,
  type PagableData,
  PagableError,
  PagableStorageBase,
  computeKey,
  delegating,
} from '../../src/index.js';
import { BlobIo } from '../../src/paging/blob-io.js';
import { Dep } from '../support/models.js';
import { expectError } from '../support/expect-error.js';
import { guarded, pausable } from '../support/pausable-store.js';
import { batchOf } from '../support/blob-batches.js';

const ABSENT = '0123456789abcdef0123456789abcdef';

/** What the store holds: blobs and the bytes of their data. */
async function held(store: BlobStore): Promise<{ blobs: number; bytes: number }> {
  const keys: string[] = [];
  for await (const k of store.keys()) keys.push(k);
  const data = await store.getMany(keys);
  return { blobs: keys.length, bytes: data.reduce((n, d) => n + d!.data.length, 0) };
}

describe('blob I/O counters and errors', () => {
  for (const counts of [true, false]) {
    it(`stats() blobs and bytes follow the store through writes, repeats and gc (a store that ${counts ? 'counts itself' : 'does not count'})`, async () => {
      const inner = new MemoryBlobStore();
      const store = counts ? inner : delegating(inner, { count: undefined });
      // A counting store's second handle starts from what the store holds; another learns it from its own writes.
      if (counts) await new PagableStorageBase(store).save(Dep.of('before'));
      const s = await PagableStorageBase.create(store);
      const key = await s.save(Dep.of('root', '1', [Dep.of('a'), Dep.of('b')]));
      await s.save(Dep.of('root', '1', [Dep.of('a'), Dep.of('b')]));
      await s.save(Dep.of('orphan'));
      await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
      await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
      const counters = (): { blobs: number; bytes: number } => ({ blobs: s.stats().blobs, bytes: s.stats().bytes });
      expect(s.stats().dedupHits).to.be.greaterThan(0);
      expect(counters()).to.deep.equal(await held(store));
      await s.setRoot('main', key);
      const report = await s.gc();
      expect(report.freedBlobs).to.be.greaterThan(0);
      expect(counters()).to.deep.equal(await held(store));
    });
  }

  it('a failed write is IO naming the blob (one) or the count (several) and the store', async () => {
    const inner = new MemoryBlobStore();
    const s = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        putMany: () => {
          throw new Error('disk full');
        },
      }),
    );
    const one = await expectError(async () => s.storeData({ data: new Uint8Array([0xc0]), arcs: [] }), 'IO');
    expect(one.message).to.match(/^storing blob [0-9a-f]{32} in broken store: disk full$/);
    const many = await expectError(s.save(Dep.of('root', '1', [Dep.of('a')])), 'IO');
    expect(many.message).to.match(/^storing \d+ blobs in broken store: disk full$/);
  });

  it('a failed read is IO naming the blob (one) or the count (several) and the store', async () => {
    const inner = new MemoryBlobStore();
    const good = new PagableStorageBase(inner);
    const key = await good.save(Dep.of('root'));
    const s = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        getSync: undefined,
        getMany: () => Promise.reject(new Error('timeout')),
      }),
    );
    const e = await expectError(s.fetchData(key), 'IO');
    expect(e.message).to.equal(`fetching blob ${key} in broken store: timeout`);
    const sync = new PagableStorageBase(
      delegating(inner, {
        name: 'broken store',
        getSync: () => {
          throw new Error('timeout');
        },
      }),
    );
    const f = await expectError(() => sync.fetchDataSync(key), 'IO');
    expect(f.message).to.equal(`fetching blob ${key} in broken store: timeout`);
  });
});

describe('blob I/O: reads in flight, closing, sync and async calls', () => {
  const blob = (n: number): PagableData => ({ data: new Uint8Array(n).fill(n), arcs: [] });
  /** A memory store holding blobs of 1, 2 and 3 bytes; their keys. */
  function filled(): { inner: MemoryBlobStore; keys: DataKey[] } {
    const inner = new MemoryBlobStore();
    const keys = [1, 2, 3].map((n) => computeKey(blob(n)));
    inner.putManySync!(keys.map((key, i) => ({ key, data: blob(i + 1) })));
    return { inner, keys };
  }
  const absent = (): PagableError => new PagableError('NOT_FOUND', 'absent');

  it('concurrent reads of one blob fetch it once; a settled read (done or failed) is not reused', async () => {
    const { inner, keys } = filled();
    const p = pausable(inner, { async: true });
    const io = new BlobIo(p.store);
    const hold = p.pauseAt('getMany');
    const first = io.fetchMany([keys[0]!], absent);
    const second = io.fetchMany([keys[1]!, keys[0]!], absent);
    const third = io.fetchMany([keys[0]!, keys[1]!], absent); // both in flight: no read of its own
    await hold.reached;
    hold.release();
    const [a] = await first;
    const [b, c] = await second;
    expect(c).to.equal(a);
    expect(await third).to.deep.equal([a, b]);
    expect([...b!.data]).to.deep.equal([2, 2]);
    // The first read asked for one key, the second for the other alone.
    expect(p.calls.get('getMany')).to.equal(2);
    expect(io.counters.fetches).to.equal(2);
    await io.fetchMany([keys[0]!], absent);
    expect(p.calls.get('getMany')).to.equal(3);
    expect(io.counters.fetches).to.equal(3);
    p.failAt('getMany');
    const e = await expectError(io.fetchMany([keys[0]!], absent), 'IO');
    expect(e.message).to.equal(`fetching blob ${keys[0]} in pausable memory: injected getMany failure`);
    expect((await io.fetchMany([keys[0]!], absent))[0]!.data).to.deep.equal(new Uint8Array([1]));
  });

  it('an absent blob is the caller’s error for it; several are named by their count', async () => {
    const { inner, keys } = filled();
    const io = new BlobIo(delegating(inner, { name: 'slow store', getMany: () => Promise.reject(new Error('timeout')) }));
    const e = await expectError(io.fetchMany(keys, absent), 'IO');
    expect(e.message).to.equal('fetching 3 blobs in slow store: timeout');
    const ok = new BlobIo(inner);
    const missing = await expectError(
      ok.fetchMany([keys[0]!, ABSENT], (i) => new PagableError('NOT_FOUND', `missing #${i}`)),
      'NOT_FOUND',
    );
    expect(missing.message).to.equal('missing #1');
  });

  it('a read in flight when the storage closes is STORAGE_CLOSED; so is any call after', async () => {
    const { inner, keys } = filled();
    const p = pausable(inner, { async: true });
    const io = new BlobIo(p.store);
    const hold = p.pauseAt('getMany');
    const read = io.fetchMany([keys[0]!], absent);
    await hold.reached;
    io.shut();
    expect(io.closed).to.equal(true);
    hold.release();
    const e = await expectError(read, 'STORAGE_CLOSED');
    expect(e.message).to.equal(`fetching blob ${keys[0]}: the storage is closed`);
    await expectError(io.fetchMany([keys[1]!], absent), 'STORAGE_CLOSED');
    expect(() => io.put([{ key: keys[0]!, data: blob(1) }])).to.throw(PagableError, `storing blob ${keys[0]}: the storage is closed`);
    expect(() => io.viewSync(keys[0]!)).to.throw(PagableError, `fetching blob ${keys[0]}: the storage is closed`);
    expect(() => io.has(keys)).to.throw(PagableError, 'checking 3 blob(s): the storage is closed');
  });

  it('a backend call failing once closed is STORAGE_CLOSED with the failure as cause; before, IO naming the store', async () => {
    const { inner } = filled();
    const io = new BlobIo(delegating(inner, { name: 'net store' }));
    const boom = new Error('connection reset');
    const before = await expectError(
      io.call('listing', () => Promise.reject(boom)),
      'IO',
    );
    expect(before.message).to.equal('listing in net store: connection reset');
    const sync = await expectError(
      () =>
        io.call('listing', () => {
          throw boom;
        }),
      'IO',
    );
    expect(sync.message).to.equal('listing in net store: connection reset');
    io.shut();
    const after = await expectError(
      io.call('listing', () => Promise.reject(boom)),
      'STORAGE_CLOSED',
    );
    expect(after.message).to.equal('listing: the storage is closed');
    expect(after.cause).to.equal(boom);
    const afterSync = await expectError(
      () =>
        io.call('listing', () => {
          throw boom;
        }),
      'STORAGE_CLOSED',
    );
    expect(afterSync.cause).to.equal(boom);
    // A PagableError from the backend is its own error, closed or not.
    const own = new PagableError('CORRUPT', 'bad record');
    const passed = await expectError(
      () =>
        io.call('reading', () => {
          throw own;
        }),
      'CORRUPT',
    );
    expect(passed).to.equal(own);
  });

  it('writes: nothing for no entries; synchronously through putManySync when asked; counted per blob', async () => {
    const { keys } = filled();
    const inner = new MemoryBlobStore();
    let syncCalls = 0;
    let asyncCalls = 0;
    const io = new BlobIo(
      delegating(inner, {
        putMany: (e) => {
          asyncCalls++;
          return inner.putMany(e);
        },
        putManySync: (e) => {
          syncCalls++;
          return inner.putManySync!(e);
        },
      }),
    );
    expect(io.canWriteSync).to.equal(true);
    expect(io.put([])).to.equal(undefined);
    expect(io.put([], true)).to.equal(undefined);
    expect(syncCalls + asyncCalls).to.equal(0);
    const r = io.put([{ key: keys[0]!, data: blob(1) }], true);
    expect(r).to.equal(undefined); // done when it returns
    expect(syncCalls).to.equal(1);
    expect(await inner.hasMany([keys[0]!])).to.deep.equal([true]);
    await io.put([
      { key: keys[0]!, data: blob(1) },
      { key: keys[1]!, data: blob(2) },
    ]);
    expect(asyncCalls).to.equal(1);
    expect(io.counters).to.deep.include({ stores: 3, dedupHits: 1 });
    // Asked to write synchronously, a store that cannot writes as it can.
    const asyncOnly = new BlobIo(delegating(inner, { putManySync: undefined }));
    expect(asyncOnly.canWriteSync).to.equal(false);
    await asyncOnly.put([{ key: keys[2]!, data: blob(3) }], true);
    expect(await inner.hasMany([keys[2]!])).to.deep.equal([true]);
  });

  it('synchronous reads: a view only when asked, IO saying to use pin() where the store cannot', async () => {
    const { inner, keys } = filled();
    const used: string[] = [];
    const io = new BlobIo(
      delegating(inner, {
        getSync: (k) => (used.push('get'), inner.getSync(k)),
        viewSync: (k) => (used.push('view'), inner.viewSync(k)),
      }),
    );
    expect(io.canFetchSync).to.equal(true);
    expect([...io.fetchSync(keys[1]!, absent).data]).to.deep.equal([2, 2]);
    expect([...io.fetchSync(keys[1]!, absent, true).data]).to.deep.equal([2, 2]);
    expect([...io.viewSync(keys[2]!)!.data]).to.deep.equal([3, 3, 3]);
    expect(io.viewSync(ABSENT)).to.equal(undefined);
    expect(used).to.deep.equal(['get', 'view', 'view', 'view']);
    expect(io.counters.fetches).to.equal(4);
    expect(() => io.fetchSync(ABSENT, absent)).to.throw(PagableError, 'absent');
    const cannot = new BlobIo(delegating(inner, { name: 'net store', getSync: undefined, viewSync: undefined }));
    expect(cannot.canFetchSync).to.equal(false);
    const e = await expectError(() => cannot.fetchSync(keys[0]!, absent), 'IO');
    expect(e.message).to.equal(`blob ${keys[0]}: net store cannot be read synchronously; use pin() / fetchData()`);
    const failing = new BlobIo(
      delegating(inner, {
        name: 'net store',
        viewSync: () => {
          throw new Error('gone');
        },
      }),
    );
    expect(() => failing.viewSync(keys[0]!)).to.throw(PagableError, `fetching blob ${keys[0]} in net store: gone`);
  });

  it('presence: nothing asked for no keys; `touch` goes to the sweep guard where there is one', async () => {
    const { inner, keys } = filled();
    const touched: DataKey[][] = [];
    const store = guarded(inner);
    let asked = 0;
    const io = new BlobIo(
      delegating(store, {
        hasMany: (k) => (asked++, store.hasMany(k)),
        sweeps: { ...store.sweeps!, touch: (k) => (touched.push([...k]), store.sweeps!.touch(k)) },
      }),
    );
    expect(io.has([])).to.deep.equal([]);
    expect(io.has([], true)).to.deep.equal([]);
    expect(asked + touched.length).to.equal(0);
    expect(await io.has([keys[0]!, ABSENT])).to.deep.equal([true, false]);
    expect(touched).to.deep.equal([]);
    expect(await io.has([keys[1]!, ABSENT], true)).to.deep.equal([true, false]);
    expect(touched).to.deep.equal([[keys[1]!, ABSENT]]);
    expect(await new BlobIo(inner).has([keys[2]!], true)).to.deep.equal([true]);
  });

  it('a store that cannot count: blobs and bytes are what this handle wrote or read, each once; gc forgets only those; a store that counts is asked again after a gc', async () => {
    const { inner, keys } = filled();
    const io = new BlobIo(delegating(inner, { count: undefined }));
    await io.count();
    expect(io.counters).to.deep.include({ blobs: 0, bytes: 0 });
    io.viewSync(keys[1]!);
    await io.fetchMany([keys[1]!], absent);
    expect(io.counters).to.deep.include({ blobs: 1, bytes: 2 });
    await io.put([{ key: keys[2]!, data: blob(3) }]);
    expect(io.counters).to.deep.include({ blobs: 2, bytes: 5 });
    await io.forget([keys[0]!, keys[2]!]);
    expect(io.counters).to.deep.include({ blobs: 1, bytes: 2 });
    io.fetchSync(keys[0]!, absent);
    expect(io.counters).to.deep.include({ blobs: 2, bytes: 3 });
    const counting = new BlobIo(inner);
    await counting.count();
    expect(counting.counters).to.deep.include({ blobs: 3, bytes: 6 });
    // A store that counts itself is asked again: what a gc deleted, and what another handle's gc deleted first.
    inner.deleteMany([keys[0]!, keys[2]!]);
    await counting.forget([keys[0]!, keys[2]!]);
    expect(counting.counters).to.deep.include({ blobs: 1, bytes: 2 });
    await counting.forget([keys[0]!, keys[2]!]);
    expect(counting.counters).to.deep.include({ blobs: 1, bytes: 2 });
  });

  it('a batch written once closed is STORAGE_CLOSED naming its blob, or how many; a store that cannot count says which call failed', async () => {
    const { keys } = filled();
    const io = new BlobIo(new MemoryBlobStore());
    const one = batchOf([{ key: keys[0]!, data: blob(1) }]);
    const two = batchOf([
      { key: keys[0]!, data: blob(1) },
      { key: keys[1]!, data: blob(2) },
    ]);
    io.shut();
    expect(() => io.putBatch(one)).to.throw(PagableError, `storing blob ${keys[0]}: the storage is closed`);
    expect(() => io.putBatch(two)).to.throw(PagableError, 'storing 2 blobs: the storage is closed');
    const counting = new BlobIo(
      delegating(new MemoryBlobStore(), { name: 'net store', count: () => Promise.reject(new Error('timeout')) }),
    );
    const e = await expectError(async () => counting.count(), 'IO');
    expect(e.message).to.equal('counting blobs in net store: timeout');
  });
});
