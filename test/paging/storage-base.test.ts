/*
 * What PagableStorageBase promises around the blob I/O itself: every method named in the error it
 * raises once the storage is closed, every failed backend call an IO error naming what it was
 * doing and the store, with the store's error as cause; arguments checked; roots listed by name;
 * stored data owned by the storage.
 */
import { expect } from 'chai';
import {
  type BlobStore,
  type DataKey,
  MemoryBlobStore,
  PagableArc,
  PagableStorageBase,
  type StorageOptions,
  delegating,
} from '../../src/index.js';
import { ROOT_NAME_MAX } from '../../src/paging/root-name.js';
import { asyncOnlyMemoryStore } from '../support/async-only-store.js';
import { Dep } from '../support/models.js';
import { expectError } from '../support/expect-error.js';

/** A memory store whose every call fails while `down` is set. */
function flaky(): { store: BlobStore; setDown(on: boolean): void } {
  const inner = new MemoryBlobStore();
  let down = false;
  const guard =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      if (down) throw new Error('backend down');
      return f(...a);
    };
  const store = delegating(inner, {
    name: 'flaky store',
    putMany: guard((e) => inner.putMany(e)),
    getMany: guard((k) => inner.getMany(k)),
    hasMany: guard((k) => inner.hasMany(k)),
    setRoot: guard((n, k) => inner.setRoot(n, k)),
    getRoot: guard((n) => inner.getRoot(n)),
    deleteRoot: guard((n) => inner.deleteRoot(n)),
    listRoots: guard(() => inner.listRoots()),
    flush: guard(() => inner.flush()),
    close: guard(() => inner.close()),
    keys: () =>
      (async function* () {
        if (down) throw new Error('backend down');
        yield* inner.keys();
      })(),
  });
  return {
    store,
    setDown: (on) => {
      down = on;
    },
  };
}

const ABSENT = '0123456789abcdef0123456789abcdef';

describe('PagableStorageBase', () => {
  it('after close, every method is STORAGE_CLOSED naming itself', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const key = await s.save(Dep.of('a'));
    const arc = PagableArc.new(Dep.of('b'), s);
    arc.unpin();
    await s.pageOutPending();
    expect(s.isClosed).to.equal(false);
    await s.close();
    expect(s.isClosed).to.equal(true);
    const calls: Array<[string, () => unknown]> = [
      ['storeData', () => s.storeData({ data: new Uint8Array([0xc0]), arcs: [] })],
      ['fetchData', () => s.fetchData(key)],
      ['fetchDataSync', () => s.fetchDataSync(key)],
      ['pin', () => arc.pin()],
      ['pinSync', () => arc.pinSync()],
      ['save', () => s.save(Dep.of('c'))],
      ['load', () => s.load(Dep, key)],
      ['drain', () => s.drain()],
      ['flush', () => s.flush()],
      ['setRoot', () => s.setRoot('r', key)],
      ['getRoot', () => s.getRoot('r')],
      ['listRoots', () => s.listRoots()],
      ['deleteRoot', () => s.deleteRoot('r')],
      ['keys', () => s.keys()[Symbol.asyncIterator]().next()],
      ['gc', () => s.gc()],
      ['verify', () => s.verify()],
    ];
    for (const [name, call] of calls) {
      const e = await expectError(async () => call(), 'STORAGE_CLOSED');
      expect(e.message, name).to.match(new RegExp(`^${name}: the storage is closed`));
    }
    expect(s.pageOutPending()).to.deep.equal({ pagedOut: 0, failed: [] });
    await s.close();
  });

  it('a failing backend call is IO naming the operation and the store, with its error as cause', async () => {
    const { store, setDown } = flaky();
    const s = new PagableStorageBase(store);
    const key = await s.save(Dep.of('a'));
    await s.setRoot('main', key);
    setDown(true);
    const calls: Array<[string, () => unknown]> = [
      ['storing blob', () => s.storeData({ data: new Uint8Array([0xc1]), arcs: [] })],
      ['setting root "other"', () => s.setRoot('other', key)],
      ['reading root "main"', () => s.getRoot('main')],
      ['listing roots', () => s.listRoots()],
      ['deleting root "main"', () => s.deleteRoot('main')],
      ['flushing', () => s.flush()],
      ['listing blobs', () => s.keys()[Symbol.asyncIterator]().next()],
    ];
    for (const [what, call] of calls) {
      const e = await expectError(async () => call(), 'IO');
      expect(e.message, what).to.contain(what).and.contain('flaky store').and.contain('backend down');
      expect((e.cause as Error).message).to.equal('backend down');
    }
    const closing = await expectError(s.close(), 'STORAGE_CLOSED');
    expect(closing.message).to.contain('closing');
    setDown(false);
  });

  it('setRoot of a key the store does not hold is NOT_FOUND naming the root, the key and the store', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const e = await expectError(s.setRoot('main', ABSENT), 'NOT_FOUND');
    expect(e.message).to.contain('setRoot("main")').and.contain(ABSENT).and.contain(s.blobStore.name);
  });

  it('lists roots by name, whatever order the store gives them in', async () => {
    const inner = new MemoryBlobStore();
    const s = new PagableStorageBase(delegating(inner, { listRoots: async () => (await inner.listRoots()).reverse() }));
    const key = await s.save(Dep.of('a'));
    for (const name of ['b', 'a', 'c', 'aa']) await s.setRoot(name, key);
    expect((await s.listRoots()).map((r) => r.name)).to.deep.equal(['a', 'aa', 'b', 'c']);
  });

  it('storeData checks its argument and keeps its own copy of the bytes and child keys', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    for (const bad of [undefined, { data: 'x', arcs: [] }, { data: new Uint8Array(1) }]) {
      const e = await expectError(async () => s.storeData(bad as never), 'INVALID_ARGUMENT');
      expect(e.message).to.contain('storeData: expected { data: Uint8Array, arcs: DataKey[] }');
    }
    const child = await s.storeData({ data: new Uint8Array([0xc0]), arcs: [] });
    const data = new Uint8Array([0x91, 0xc0]);
    const arcs: DataKey[] = [child];
    const key = await s.storeData({ data, arcs });
    data[1] = 0xc3;
    arcs.push(child);
    const back = await new PagableStorageBase(s.blobStore).fetchData(key);
    expect([...back.data]).to.deep.equal([0x91, 0xc0]);
    expect(back.arcs).to.deep.equal([child]);
  });

  it('load needs a class; a storage needs a BlobStore (or the 0.1 raw methods)', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const key = await s.save(Dep.of('a'));
    const e = await expectError(async () => s.load('Dep' as never, key), 'INVALID_ARGUMENT');
    expect(e.message).to.equal('load: expected a class, got string');
    for (const arg of [undefined, {}, { autoPageOut: {} } as StorageOptions]) {
      const c = await expectError(() => new PagableStorageBase(arg as never), 'INVALID_ARGUMENT');
      expect(c.message).to.contain('PagableStorageBase: expected a BlobStore (putMany, getMany, ...) as the first argument');
    }
  });

  it('create() waits for the store’s own count; `await using` closes the storage', async () => {
    const inner = new MemoryBlobStore();
    const first = new PagableStorageBase(inner);
    await first.save(Dep.of('a'));
    const blobs = first.stats().blobs;
    const s = await PagableStorageBase.create(delegating(inner, {}));
    expect(s.stats().blobs).to.equal(blobs);
    let seen: PagableStorageBase | undefined;
    {
      await using scoped = new PagableStorageBase(new MemoryBlobStore());
      seen = scoped;
      expect(scoped.isClosed).to.equal(false);
    }
    expect(seen.isClosed).to.equal(true);
    await s.close();
  });

  it('root names: a non-empty string of at most ROOT_NAME_MAX characters, else INVALID_ARGUMENT showing the name', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const key = await s.save(Dep.of('a'));
    await s.setRoot('x'.repeat(ROOT_NAME_MAX), key);
    for (const [name, shown] of [
      ['', '""'],
      ['y'.repeat(ROOT_NAME_MAX + 1), `"${'y'.repeat(79)}`],
      [7, '7'],
      [undefined, 'undefined'],
    ] as const) {
      const e = await expectError(s.setRoot(name as string, key), 'INVALID_ARGUMENT');
      expect(e.message).to.equal(`root names are non-empty strings of at most ${ROOT_NAME_MAX} characters, got ${shown}`);
    }
  });

  it('save needs an object: TYPE_MISMATCH naming what it got', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    for (const [v, got] of [
      [5, 'number'],
      [null, 'null'],
      ['s', 'string'],
    ] as const) {
      const e = await expectError(s.save(v as never), 'TYPE_MISMATCH');
      expect(e.message).to.equal(`save: expected an object, got ${got}`);
    }
  });

  it('a missing blob is NOT_FOUND naming the key and the class wanted, on synchronous and asynchronous stores', async () => {
    for (const store of [new MemoryBlobStore(), asyncOnlyMemoryStore()]) {
      const s = new PagableStorageBase(store);
      const e = await expectError(s.load(Dep, ABSENT), 'NOT_FOUND');
      expect(e.message).to.equal(`blob ${ABSENT} (a Dep) is not in this storage`);
      const f = await expectError(s.fetchData(ABSENT), 'NOT_FOUND');
      expect(f.message).to.equal(`blob ${ABSENT} is not in this storage`);
    }
  });
});
