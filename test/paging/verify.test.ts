import { expect } from 'chai';
import {
  type BlobStore,
  computeKey,
  type DataKey,
  delegating,
  MemoryBlobStore,
  type PagableData,
  PagableStorageBase,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

/*
 * `verify()` re-hashes every stored blob and lists the keys whose blob does not hash to them or
 * does not read, in process on the memory store (damaged through a wrapper, as a disk or a
 * network would damage it).
 */

/** A leaf blob numbered `n`, under its own key. */
function leaf(n: number): { key: DataKey; data: PagableData } {
  const data: PagableData = { data: new TextEncoder().encode(`blob ${n}`), arcs: [] };
  return { key: computeKey(data), data };
}

/** A memory store holding `n` intact leaf blobs; their keys in order. */
function filled(n: number): { store: MemoryBlobStore; keys: DataKey[] } {
  const store = new MemoryBlobStore();
  const entries = Array.from({ length: n }, (_, i) => leaf(i));
  store.putMany(entries);
  return { store, keys: entries.map((e) => e.key) };
}

describe('verify()', () => {
  it('checks every blob of an intact store, reporting progress after each batch of 256', async () => {
    const { store } = filled(600);
    const s = new PagableStorageBase(store);
    const progress: number[] = [];
    const report = await s.verify((done) => progress.push(done));
    expect(report).to.deep.equal({ checked: 600, corrupt: [] });
    expect(progress).to.deep.equal([256, 512, 600]);
    await s.close();
  });

  it('an empty store: nothing checked, no progress call', async () => {
    const s = new PagableStorageBase(new MemoryBlobStore());
    const progress: number[] = [];
    expect(await s.verify((done) => progress.push(done))).to.deep.equal({ checked: 0, corrupt: [] });
    expect(progress).to.deep.equal([]);
    await s.close();
  });

  it('lists a blob whose content does not hash to its key, and only it', async () => {
    const { store, keys } = filled(300);
    const wrong = leaf(1000).key;
    // Stored under another blob's key: what a changed byte on disk looks like.
    store.putMany([{ key: wrong, data: leaf(1001).data }]);
    const s = new PagableStorageBase(store);
    const report = await s.verify();
    expect(report.checked).to.equal(301);
    expect(report.corrupt).to.deep.equal([wrong]);
    expect(keys).not.to.include(wrong);
    await s.close();
  });

  it('lists a key that is listed but does not read, and a blob whose child list is not keys', async () => {
    const { store, keys } = filled(10);
    const gone = leaf(500).key;
    const damaged = keys[3]!;
    const wrapped = delegating(store, {
      keys: () => [...store.keys(), gone],
      getMany: (ks) =>
        store.getMany(ks).map((b, i) => (ks[i] === damaged && b !== undefined ? { data: b.data, arcs: ['not a key' as DataKey] } : b)),
    });
    const s = new PagableStorageBase(wrapped);
    const report = await s.verify();
    expect(report.checked).to.equal(11);
    expect([...report.corrupt].sort()).to.deep.equal([damaged, gone].sort());
    await s.close();
  });

  it('a read that fails for one record of a batch is retried blob by blob: only that record is listed', async () => {
    const { store, keys } = filled(300);
    const bad = keys[7]!;
    const reads: number[] = [];
    const wrapped: BlobStore = delegating(store, {
      getMany: (ks) => {
        reads.push(ks.length);
        if (ks.includes(bad)) throw new Error('unreadable record');
        return store.getMany(ks);
      },
    });
    const s = new PagableStorageBase(wrapped);
    const report = await s.verify();
    expect(report).to.deep.equal({ checked: 300, corrupt: [bad] });
    // The first batch of 256 failed, then its keys were read one at a time; the rest in one read.
    expect(reads.filter((n) => n === 1)).to.have.length(256);
    await s.close();
  });

  it('a failed listing rejects with IO naming the store; a closed storage with STORAGE_CLOSED', async () => {
    const { store } = filled(3);
    const s = new PagableStorageBase(
      delegating(store, {
        keys: () => {
          throw new Error('listing broke');
        },
      }),
    );
    const e = await expectError(() => s.verify(), 'IO');
    expect(e.message).to.include('verify');
    await s.close();
    await expectError(() => s.verify(), 'STORAGE_CLOSED');
  });

  it('a storage closed while verifying rejects with STORAGE_CLOSED, not a report listing every blob', async () => {
    const { store } = filled(600);
    const s = new PagableStorageBase(store);
    let closing: Promise<void> | undefined;
    await expectError(
      () =>
        s.verify(() => {
          closing ??= s.close();
        }),
      'STORAGE_CLOSED',
    );
    await closing;
  });
});
