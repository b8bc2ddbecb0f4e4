/*
 * A page-in of blobs whose schema set this process has never seen (written by another version of
 * the program): the set and its class schemas are fetched with the data, each once however many
 * blobs wait for them, and the blobs decode once they are in. A schema blob missing from the store
 * is NOT_FOUND naming it; one that is not what its key says, or a set whose child is another set,
 * is CORRUPT naming the data blob that needed it.
 */
import { expect } from 'chai';
import {
  type BlobStore,
  type DataKey,
  Field,
  MemoryBlobStore,
  Pagable,
  PagableError,
  PagableStorageBase,
  Shared,
  delegating,
} from '../../src/index.js';
import { asyncOnlyMemoryStore } from '../support/async-only-store.js';
import { expectError } from '../support/expect-error.js';

/** Each call declares new classes (new names): their schema sets are new to the process, run after run. */
let runs = 0;
function models(): { Item: new () => { weight: number; label: string }; Box: new () => { items: unknown[]; one: unknown } } {
  const n = ++runs;
  @Pagable({ name: `page-in-schemas.Item${n}` })
  class Item {
    @Field({ aliases: ['weighs'] }) weight = 0;
    @Field() label = '';
  }
  @Pagable({ name: `page-in-schemas.Box${n}` })
  class Box {
    @Shared(() => [Item]) items!: Item[];
    @Shared(() => Item) one!: Item;
  }
  return { Item, Box };
}

/** `data` with the first occurrence of ASCII `from` replaced by `to` (same length). */
function replaced(data: Uint8Array, from: string, to: string): Uint8Array {
  const at = Buffer.from(data).indexOf(from, 0, 'latin1');
  expect(at, `"${from}" in the blob`).to.be.at.least(0);
  const out = new Uint8Array(data);
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

interface Written {
  box: DataKey;
  items: DataKey[];
  set: DataKey;
  cls: DataKey;
  Box: ReturnType<typeof models>['Box'];
  Item: ReturnType<typeof models>['Item'];
}

/**
 * A box of two items and one more, whose items' blobs name a schema set as another version wrote
 * it: the field `weight` stored as `weighs` (an alias the reader knows). `field` replaces `weighs`.
 */
async function written(store: BlobStore, field = 'weighs'): Promise<Written> {
  const { Item, Box } = models();
  const s = new PagableStorageBase(store);
  const item = (w: number, label: string): InstanceType<typeof Item> => Object.assign(new Item(), { weight: w, label });
  const saved = await s.fetchData(await s.save(Object.assign(new Box(), { items: [item(1, 'a'), item(2, 'b')], one: item(3, 'c') })));
  const itemBlobs = await Promise.all(saved.arcs.slice(0, 3).map((k) => s.fetchData(k)));
  const setKey = itemBlobs[0]!.arcs[itemBlobs[0]!.arcs.length - 1]!;
  const set = await s.fetchData(setKey);
  expect(set.arcs).to.have.length(1);
  const clsBlob = await s.fetchData(set.arcs[0]!);
  const cls = await s.storeData({ data: replaced(clsBlob.data, 'weight', field), arcs: clsBlob.arcs });
  const newSet = await s.storeData({ data: set.data, arcs: [cls] });
  const items: DataKey[] = [];
  for (const b of itemBlobs) items.push(await s.storeData({ data: b.data, arcs: [...b.arcs.slice(0, -1), newSet] }));
  const box = await s.storeData({ data: saved.data, arcs: [...items, ...saved.arcs.slice(3)] });
  return { box, items, set: newSet, cls, Box, Item };
}

/** `inner` with every key read recorded. */
function recording(inner: BlobStore): { store: BlobStore; reads: DataKey[] } {
  const reads: DataKey[] = [];
  const store = delegating(inner, {
    getMany: (keys) => (reads.push(...keys), inner.getMany(keys)),
    getSync: inner.getSync === undefined ? undefined : (key) => (reads.push(key), inner.getSync!(key)),
    viewSync: inner.viewSync === undefined ? undefined : (key) => (reads.push(key), inner.viewSync!(key)),
  });
  return { store, reads };
}

/**
 * Two blobs under one root whose schema sets are both new to the process and share a class schema:
 * an item (set {Item}) and a holder of an inline item (set {Holder, Item}), each rewritten to name
 * Item's schema with `weight` stored as `weighs`. Returns the root's key, the shared class schema's
 * and the two sets'.
 */
async function twoSetsSharingOneSchema(store: BlobStore): Promise<{
  root: DataKey;
  cls: DataKey;
  sets: DataKey[];
  Root: new () => { item: { weight: number }; holder: { inner: { weight: number } } };
}> {
  const n = ++runs;
  @Pagable({ name: `page-in-schemas.SharedItem${n}` })
  class Item {
    @Field({ aliases: ['weighs'] }) weight = 0;
  }
  @Pagable({ name: `page-in-schemas.Holder${n}` })
  class Holder {
    @Field(() => Item) inner!: Item;
  }
  @Pagable({ name: `page-in-schemas.Root${n}` })
  class Root {
    @Shared(() => Item) item!: Item;
    @Shared(() => Holder) holder!: Holder;
  }
  const s = new PagableStorageBase(store);
  const item = (w: number): Item => Object.assign(new Item(), { weight: w });
  const saved = await s.fetchData(
    await s.save(Object.assign(new Root(), { item: item(1), holder: Object.assign(new Holder(), { inner: item(2) }) })),
  );
  const [itemBlob, holderBlob] = await Promise.all(saved.arcs.slice(0, 2).map((k) => s.fetchData(k)));
  const oldSets = [itemBlob!, holderBlob!].map((b) => b.arcs[b.arcs.length - 1]!);
  const [itemSet, holderSet] = await Promise.all(oldSets.map((k) => s.fetchData(k)));
  const oldCls = itemSet!.arcs[0]!;
  expect(holderSet!.arcs).to.include(oldCls);
  const clsBlob = await s.fetchData(oldCls);
  const cls = await s.storeData({ data: replaced(clsBlob.data, 'weight', 'weighs'), arcs: clsBlob.arcs });
  // Item's schema as another version wrote it: `weighs`, an alias the reader knows.
  const sets: DataKey[] = [];
  for (const set of [itemSet!, holderSet!])
    sets.push(await s.storeData({ data: set.data, arcs: set.arcs.map((k) => (k === oldCls ? cls : k)) }));
  const blobs: DataKey[] = [];
  for (const [i, b] of [itemBlob!, holderBlob!].entries())
    blobs.push(await s.storeData({ data: b.data, arcs: [...b.arcs.slice(0, -1), sets[i]!] }));
  const root = await s.storeData({ data: saved.data, arcs: [...blobs, ...saved.arcs.slice(2)] });
  return { root, cls, sets, Root: Root as unknown as new () => { item: { weight: number }; holder: { inner: { weight: number } } } };
}

describe('page-in of blobs whose schema set the process has not seen', () => {
  for (const [kind, make] of [
    ['a store read synchronously', () => new MemoryBlobStore()],
    ['a store read asynchronously', asyncOnlyMemoryStore],
  ] as const) {
    it(`fetches the set and its class schema once, then decodes every blob waiting for them (${kind})`, async () => {
      const { store, reads } = recording(make());
      const w = await written(store);
      const t = new PagableStorageBase(store); // nothing of the rewritten blobs cached
      reads.length = 0;
      const box = (await t.load(w.Box, w.box)) as unknown as { items: Array<{ weight: number; label: string }>; one: { weight: number } };
      expect(box.items.map((i) => [i.weight, i.label])).to.deep.equal([
        [1, 'a'],
        [2, 'b'],
      ]);
      expect(box.one.weight).to.equal(3);
      expect([...reads].sort()).to.deep.equal([w.box, ...w.items, w.set, w.cls].sort());
      // Cached for the process from then on: another handle reads data blobs only.
      const u = new PagableStorageBase(store);
      reads.length = 0;
      await u.load(w.Box, w.box);
      expect([...reads].sort()).to.deep.equal([w.box, ...w.items].sort());
    });

    it(`fetches a class schema once when two new sets of one page-in both lack it (${kind})`, async () => {
      const { store, reads } = recording(make());
      const w = await twoSetsSharingOneSchema(store);
      reads.length = 0;
      const root = await new PagableStorageBase(store).load(w.Root, w.root);
      expect([root.item.weight, root.holder.inner.weight]).to.deep.equal([1, 2]);
      expect(reads.filter((k) => k === w.cls)).to.have.length(1);
      for (const set of w.sets) expect(reads.filter((k) => k === set)).to.have.length(1);
    });

    it(`a class schema missing from the store is NOT_FOUND naming it (${kind})`, async () => {
      const inner = make();
      const w = await written(inner, 'weighx');
      await inner.deleteMany([w.cls]);
      const e = await expectError(new PagableStorageBase(inner).load(w.Box, w.box), 'NOT_FOUND');
      expect(e.message).to.equal(`blob ${w.cls} is not in this storage`);
    });

    it(`a schema blob that is not what its key says is CORRUPT naming the data blob that needed it (${kind})`, async () => {
      const inner = make();
      const w = await written(inner, 'weighy');
      const set = (await inner.getMany([w.set]))[0]!;
      // The set's key now holds other bytes (a damaged store).
      await inner.deleteMany([w.set]);
      await inner.putMany([{ key: w.set, data: { data: set.data, arcs: [...set.arcs, w.cls] } }]);
      const e = await expectError(new PagableStorageBase(inner).load(w.Box, w.box), 'CORRUPT');
      expect(e.message).to.match(new RegExp(`^blob (${w.items.join('|')}): schema blob ${w.set}: its content does not match its key$`));
      expect(e.cause).to.be.instanceOf(PagableError);
    });

    it(`a schema set whose child is another set is CORRUPT naming the data blob (${kind})`, async () => {
      const inner = make();
      const w = await written(inner, 'weighz');
      const s = new PagableStorageBase(inner);
      const set = await s.fetchData(w.set);
      const bad = await s.storeData({ data: set.data, arcs: [w.set] });
      const item = await s.fetchData(w.items[0]!);
      const badItem = await s.storeData({ data: item.data, arcs: [...item.arcs.slice(0, -1), bad] });
      const e = await expectError(new PagableStorageBase(inner).load(w.Item, badItem), 'CORRUPT');
      expect(e.message).to.equal(`blob ${badItem}: schema set ${bad}: its child ${w.set} is a set, not a class schema`);
      expect(e.cause).to.be.instanceOf(PagableError);
    });
  }
});
