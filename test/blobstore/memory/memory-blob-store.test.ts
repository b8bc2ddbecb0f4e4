import { expect } from 'chai';
import { type DataKey, type PagableData } from '../../../src/keys/data.js';
import { MemoryBlobStore } from '../../../src/blobstore/memory/memory-blob-store.js';
import type { ByteView } from '../../../src/blobstore/byte-store.js';
import { delegating } from '../../../src/blobstore/delegating.js';
import type { BlobStore } from '../../../src/blobstore/interface.js';
import { expectError } from '../../support/expect-error.js';
import { blobOf, expectBlob, fill } from '../../support/memory-blobs.js';

function blob(bytes: number[], arcs: DataKey[] = []): PagableData {
  return { data: Uint8Array.from(bytes), arcs };
}

const K1 = '60acc560af3c172804ca72879e2bdc57';
const K2 = '71e0a99173564931c0b8acc52d2685a8';
const K3 = '7c3341c841370af19df73ab6591c25d5';

describe('MemoryBlobStore', () => {
  describe('store semantics', () => {
    it('answers synchronously, with plain values', () => {
      const s = new MemoryBlobStore();
      for (const r of [
        s.putMany([{ key: K1, data: blob([1]) }]),
        s.getMany([K1]),
        s.getSync(K1),
        s.hasMany([K1]),
        s.deleteMany([K2]),
        s.setRoot('r', K1),
        s.getRoot('r'),
        s.listRoots(),
        s.deleteRoot('r'),
        s.count(),
        s.flush(),
        s.close(),
      ]) {
        expect(r).to.not.be.instanceOf(Promise);
      }
    });

    it('stores a blob once and never overwrites it', () => {
      const s = new MemoryBlobStore();
      expect(s.putMany([{ key: K1, data: blob([1, 2, 3], [K2]) }])).to.deep.equal([true]);
      expect(s.putMany([{ key: K1, data: blob([9, 9], []) }])).to.deep.equal([false]);
      expectBlob(s.getSync(K1), blob([1, 2, 3], [K2]));
      expect(s.count()).to.deep.equal({ blobs: 1, bytes: 3 });
    });

    it('writes a key repeated in one batch once', () => {
      const s = new MemoryBlobStore();
      const out = s.putMany([
        { key: K1, data: blob([1]) },
        { key: K2, data: blob([]) },
        { key: K1, data: blob([5, 5]) },
      ]);
      expect(out).to.deep.equal([true, true, false]);
      expect(s.count()).to.deep.equal({ blobs: 2, bytes: 1 });
      expectBlob(s.getSync(K1), blob([1]));
    });

    it('gets, has and lists keys; undefined and false where absent', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1, 2]) },
        { key: K2, data: blob([], [K1, K1]) },
      ]);
      const got = s.getMany([K2, K3, K1]);
      expectBlob(got[0], blob([], [K1, K1]));
      expect(got[1]).to.equal(undefined);
      expectBlob(got[2], blob([1, 2]));
      expect(s.getSync(K3)).to.equal(undefined);
      expect(s.hasMany([K1, K3, K2])).to.deep.equal([true, false, true]);
      expect([...s.keys()].sort()).to.deep.equal([K1, K2].sort());
    });

    it('treats a malformed key as absent on reads; a batch with one (INVALID_ARGUMENT) or a malformed child (CORRUPT) writes nothing', async () => {
      const s = new MemoryBlobStore();
      for (const bad of ['', 'xyz', K1.toUpperCase(), K1.slice(1), `${K1.slice(0, 31)}é`]) {
        expect(s.getMany([bad])).to.deep.equal([undefined]);
        expect(s.getSync(bad)).to.equal(undefined);
        expect(s.hasMany([bad])).to.deep.equal([false]);
        expect(s.deleteMany([bad])).to.equal(0);
        expect(s.setRoot('r', bad)).to.equal(false);
        await expectError(
          () =>
            s.putMany([
              { key: K1, data: blob([1]) },
              { key: bad, data: blob([]) },
            ]),
          'INVALID_ARGUMENT',
        );
        await expectError(
          () =>
            s.putMany([
              { key: K1, data: blob([1]) },
              { key: K2, data: blob([], [K3, bad]) },
            ]),
          'CORRUPT',
        );
      }
      expect(s.count()).to.deep.equal({ blobs: 0, bytes: 0 });
      expect([...s.keys()]).to.deep.equal([]);
    });

    it('hands out copies: neither what was put nor what was got can change the stored blob', () => {
      const s = new MemoryBlobStore();
      const put = blob([1, 2, 3], [K2]);
      s.putMany([{ key: K1, data: put }]);
      put.data[0] = 99;
      put.arcs[0] = K3;
      const got = s.getSync(K1)!;
      expectBlob(got, blob([1, 2, 3], [K2]));
      got.data.fill(7);
      got.arcs.push(K1);
      expectBlob(s.getSync(K1), blob([1, 2, 3], [K2]));
      expect(s.getSync(K1)).to.not.equal(s.getSync(K1));
    });

    it('viewSync hands out views for page-in: valid across compaction, never a copy', () => {
      const s = new MemoryBlobStore();
      const data = new Uint8Array(600).map((_, i) => i & 0xff);
      s.putMany([
        { key: K1, data: { data, arcs: [K2] } },
        { key: K2, data: blob([4]) },
      ]);
      const view = s.viewSync(K1)!;
      expectBlob(view, { data, arcs: [K2] });
      // A view, not a copy: it shares memory with the arena (getSync's copies do not).
      expect(view.data.buffer.byteLength).to.be.greaterThan(600);
      expect(s.getSync(K1)!.data.buffer.byteLength).to.equal(600);
      s.deleteMany([K1]);
      s.compact();
      expect(s.viewSync(K1)).to.equal(undefined);
      expect([...view.data]).to.deep.equal([...data]);
    });

    it('viewAt reads by the key bytes what viewSync reads by the key, at any offset; undefined when absent, STORAGE_CLOSED once closed', async () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1, 2, 3], [K2]) },
        { key: K2, data: blob([4]) },
      ]);
      const bytes = new Uint8Array(40);
      bytes.set(Buffer.from(K1, 'hex'), 7);
      expectBlob(s.viewAt(bytes, 7), blob([1, 2, 3], [K2]));
      bytes.set(Buffer.from(K3, 'hex'), 7);
      expect(s.viewAt(bytes, 7)).to.equal(undefined);
      // Wrappers forward it where they forward viewSync, and not where they replace a read.
      const wrapped = delegating(s, {}) as BlobStore & Partial<ByteView>;
      bytes.set(Buffer.from(K2, 'hex'), 3);
      expectBlob(wrapped.viewAt!(bytes, 3), blob([4]));
      expect((delegating(s, { getSync: (k) => s.getSync(k) }) as Partial<ByteView>).viewAt).to.equal(undefined);
      expect((delegating(s, { viewSync: (k) => s.viewSync(k) }) as Partial<ByteView>).viewAt).to.equal(undefined);
      void s.close();
      await expectError(() => s.viewAt(bytes, 3), 'STORAGE_CLOSED');
    });

    it('deletes blobs and returns the data bytes removed, each blob counted once', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1, 2, 3]) },
        { key: K2, data: blob([4], [K1]) },
        { key: K3, data: blob([]) },
      ]);
      expect(s.deleteMany([K1, K1, '0'.repeat(32)])).to.equal(3);
      expect(s.deleteMany([K1])).to.equal(0);
      expect(s.hasMany([K1, K2, K3])).to.deep.equal([false, true, true]);
      expect(s.count()).to.deep.equal({ blobs: 2, bytes: 1 });
      expect(s.deleteMany([K2, K3])).to.equal(1);
      expect(s.count()).to.deep.equal({ blobs: 0, bytes: 0 });
      // A deleted key may be stored again.
      expect(s.putMany([{ key: K1, data: blob([8]) }])).to.deep.equal([true]);
      expectBlob(s.getSync(K1), blob([8]));
    });

    it('keeps named roots, refusing one that names an absent blob', () => {
      const s = new MemoryBlobStore();
      s.putMany([
        { key: K1, data: blob([1]) },
        { key: K2, data: blob([2]) },
      ]);
      expect(s.setRoot('a', K3)).to.equal(false);
      expect(s.getRoot('a')).to.equal(undefined);
      expect(s.setRoot('a', K1)).to.equal(true);
      expect(s.setRoot('b', K2)).to.equal(true);
      expect(s.setRoot('a', K2)).to.equal(true);
      expect(s.getRoot('a')).to.equal(K2);
      expect(s.listRoots().sort((x, y) => x.name.localeCompare(y.name))).to.deep.equal([
        { name: 'a', key: K2 },
        { name: 'b', key: K2 },
      ]);
      expect(s.deleteRoot('a')).to.equal(true);
      expect(s.deleteRoot('a')).to.equal(false);
      expect(s.listRoots()).to.deep.equal([{ name: 'b', key: K2 }]);
    });

    it('forgets everything on close and fails with STORAGE_CLOSED after it', async () => {
      const s = new MemoryBlobStore();
      fill(s, 0, 5000);
      s.setRoot('r', blobOf(0).key);
      const keys = s.keys()[Symbol.iterator]();
      expect(keys.next().done).to.equal(false);
      s.close();
      s.close();
      expect(s.footprint()).to.include({ chunks: 0, arenaBytes: 0, liveBytes: 0 });
      for (const op of [
        () => s.getMany([K1]),
        () => s.getSync(K1),
        () => s.hasMany([K1]),
        () => s.putMany([{ key: K1, data: blob([]) }]),
        () => s.deleteMany([K1]),
        () => s.keys(),
        () => s.count(),
        () => s.getRoot('r'),
        () => s.setRoot('r', K1),
        () => s.listRoots(),
        () => s.deleteRoot('r'),
        () => s.flush(),
        () => s.compact(),
        () => keys.next(),
      ]) {
        await expectError(op, 'STORAGE_CLOSED');
      }
    });
  });
});
