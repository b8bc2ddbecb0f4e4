/*
 * What a page-in fetches and hands out (paging/page-in.ts): the graph a level at a time (one read
 * per level on a store read asynchronously), each blob once however many holders share it and
 * whatever classes it is declared as, never a @Lazy child; shared children come back shared; a
 * missing child is NOT_FOUND naming its key and the class it was wanted as; a child key a store
 * hands out that is not a key is CORRUPT.
 */
import { expect } from 'chai';
import {
  type BlobStore,
  type DataKey,
  Field,
  Lazy,
  MemoryBlobStore,
  Pagable,
  PagableArc,
  PagableStorageBase,
  Shared,
  TypeTag,
  delegating,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

@Pagable()
class Leaf {
  @Field() name = '';
}

/** The same bytes as a Leaf, declared as another class: an untagged blob read as two classes. */
@Pagable()
class Label {
  @Field() name = '';
}

/** A third class over the same bytes. */
@Pagable()
class Tag {
  @Field() name = '';
}

@Pagable()
class Branch {
  @Field() name = '';
  @Shared(() => Leaf) leaf!: Leaf;
  @Lazy(() => Leaf) cold!: PagableArc<Leaf>;
}

@Pagable()
class Root {
  @Shared(() => Branch) left!: Branch;
  @Shared(() => Branch) right!: Branch;
  @Shared(() => Leaf) leaf!: Leaf;
  @Shared(() => Label) label!: Label;
  @Shared(() => Leaf) again!: Leaf;
  @Shared(() => Tag) tag!: Tag;
}

const ABSENT = '0123456789abcdef0123456789abcdef';
const GARBAGE = `not a key: ${'x'.repeat(60)}`;

@TypeTag('page-in-fetches.Tagged')
@Pagable()
class Tagged {
  @Field() name = '';
}

/** A new `C` named `name`. */
function named<T extends { name: string }>(C: new () => T, name: string): T {
  return Object.assign(new C(), { name });
}

@Pagable()
class Mid {
  @Shared(() => Tagged) b!: Tagged;
}

@Pagable()
class Top {
  @Shared(() => Tagged) a!: Tagged;
  @Shared(() => Mid) mid!: Mid;
}

/** A memory store that records the keys of every read; `sync`: it also reads synchronously. */
function recording(sync: boolean): { store: BlobStore; reads: DataKey[][] } {
  const inner = new MemoryBlobStore();
  const reads: DataKey[][] = [];
  const store = delegating(inner, {
    getMany: (keys) => {
      reads.push([...keys]);
      return inner.getMany(keys);
    },
    getSync: sync
      ? (key) => {
          reads.push([key]);
          return inner.getSync(key);
        }
      : undefined,
    viewSync: sync
      ? (key) => {
          reads.push([key]);
          return inner.viewSync(key);
        }
      : undefined,
  });
  return { store, reads };
}

/** Root → two branches (level 1) → one leaf both share (level 2), each branch with its own lazy leaf; and the leaf again at level 1, also declared as a Label and as a Tag. */
async function saveGraph(s: PagableStorageBase): Promise<{ key: DataKey; leaf: DataKey; lazies: DataKey[]; branches: DataKey[] }> {
  const leaf = named(Leaf, 'shared');
  const branch = (name: string): Branch =>
    Object.assign(new Branch(), { name, leaf, cold: PagableArc.new(named(Leaf, `cold ${name}`), s) });
  const left = branch('left');
  const right = branch('right');
  const saved = await s.save(
    Object.assign(new Root(), {
      left,
      right,
      leaf,
      label: named(Label, 'shared'),
      again: leaf,
      tag: named(Tag, 'shared'),
    }),
  );
  const lazies = [left.cold.dataKey!, right.cold.dataKey!];
  // The label and tag fields name the leaf's blob itself (as a store written by another version can have it).
  const blob = await s.fetchData(saved);
  const arcs = [...blob.arcs];
  arcs[3] = arcs[2]!;
  arcs[5] = arcs[2]!;
  const key = await s.storeData({ data: blob.data, arcs });
  const rootBlob = await s.fetchData(key);
  const leftBlob = await s.fetchData(rootBlob.arcs[0]!);
  return { key, leaf: leftBlob.arcs[0]!, lazies, branches: rootBlob.arcs.slice(0, 2) };
}

describe('what a page-in fetches', () => {
  for (const sync of [true, false]) {
    const kind = sync ? 'a store read synchronously' : 'a store read asynchronously';

    it(`each blob once, a level at a time, never a @Lazy child; shared children shared (${kind})`, async () => {
      const { store, reads } = recording(sync);
      const s = new PagableStorageBase(store);
      const g = await saveGraph(s);
      // Another handle on the store: nothing of it cached.
      const t = new PagableStorageBase(store);
      reads.length = 0;
      const before = t.stats().fetches;
      const root = await t.load(Root, g.key);
      const read = reads.flat();
      // Root, two branches, one leaf (also a Label and a Tag, and the Leaf again): four blobs, each once.
      expect(read).to.have.length(4);
      expect(new Set(read).size).to.equal(4);
      expect(t.stats().fetches - before).to.equal(4);
      for (const lazy of g.lazies) expect(read).to.not.include(lazy);
      if (!sync) {
        // Breadth first: the root, then every child of the root at once.
        expect(reads).to.have.length(2);
        expect(reads[0]).to.deep.equal([g.key]);
        expect([...reads[1]!].sort()).to.deep.equal([...g.branches, g.leaf].sort());
      } else {
        expect(read[0]).to.equal(g.key);
        expect(read.slice(1, 3).sort()).to.deep.equal([...g.branches].sort());
      }
      expect(root.left.leaf).to.equal(root.right.leaf);
      expect(root.leaf).to.equal(root.left.leaf);
      expect(root.again).to.equal(root.leaf);
      expect(root.label).to.be.instanceOf(Label);
      expect(root.label).to.not.equal(root.leaf);
      expect(root.label.name).to.equal('shared');
      expect(root.tag).to.be.instanceOf(Tag);
      expect(root.tag.name).to.equal('shared');
      expect(root.left.cold.isPagedOut).to.equal(true);
      expect(root.left.cold.dataKey).to.equal(g.lazies[0]);
      // The lazy child is fetched when pinned, and only then.
      const pin = await root.left.cold.pin();
      expect(pin.value.name).to.equal('cold left');
      expect(reads.flat().slice(4)).to.deep.equal([g.lazies[0]]);
      pin.release();
      await t.close();
      await s.close();
    });

    it(`a child fetched by an earlier load and still alive is that object, not fetched again (${kind})`, async () => {
      const { store, reads } = recording(sync);
      const s = new PagableStorageBase(store);
      const g = await saveGraph(s);
      const t = new PagableStorageBase(store);
      const branch = await t.load(Branch, g.branches[0]!);
      const label = await t.load(Label, g.leaf);
      const tag = await t.load(Tag, g.leaf);
      reads.length = 0;
      const root = await t.load(Root, g.key);
      expect(root.left).to.equal(branch);
      expect(root.leaf).to.equal(branch.leaf);
      expect(root.label).to.equal(label);
      expect(root.tag).to.equal(tag);
      // The root and the other branch only.
      expect(reads.flat().sort()).to.deep.equal([g.key, g.branches[1]!].sort());
      await t.close();
      await s.close();
    });

    it(`loads in flight at once that share a child hand out one object (${kind})`, async () => {
      const { store } = recording(sync);
      const s = new PagableStorageBase(store);
      const leaf = named(Leaf, 'shared');
      const keys = await Promise.all(
        ['a', 'b', 'c'].map((name) => s.save(Object.assign(new Branch(), { name, leaf, cold: PagableArc.new(named(Leaf, name), s) }))),
      );
      const t = new PagableStorageBase(store);
      // Started together: on a store read asynchronously each load queues the leaf before either has decoded it.
      const [a, b, c] = await Promise.all(keys.map((k) => t.load(Branch, k)));
      expect(a!.leaf).to.be.instanceOf(Leaf);
      expect(b!.leaf).to.equal(a!.leaf);
      expect(c!.leaf).to.equal(a!.leaf);
      await t.close();
      await s.close();
    });

    it(`distinct blobs of a tagged class are distinct objects at every level (${kind})`, async () => {
      const { store } = recording(sync);
      const s = new PagableStorageBase(store);
      const key = await s.save(
        Object.assign(new Top(), { a: named(Tagged, 'a'), mid: Object.assign(new Mid(), { b: named(Tagged, 'b') }) }),
      );
      const t = new PagableStorageBase(store);
      const top = await t.load(Top, key);
      expect(top.a.name).to.equal('a');
      expect(top.mid.b.name).to.equal('b');
      expect(top.mid.b).to.not.equal(top.a);
      await t.close();
      await s.close();
    });

    it(`a missing child is NOT_FOUND naming its key and the class it was wanted as (${kind})`, async () => {
      const { store } = recording(sync);
      const s = new PagableStorageBase(store);
      const g = await saveGraph(s);
      const blob = await s.fetchData(g.branches[0]!);
      const arcs = [...blob.arcs];
      arcs[0] = ABSENT; // the shared leaf
      const broken = await s.storeData({ data: blob.data, arcs });
      const e = await expectError(s.load(Branch, broken), 'NOT_FOUND');
      expect(e.message).to.equal(`blob ${ABSENT} (a Leaf) is not in this storage`);
      await s.close();
    });

    it(`a child key a store hands out that is not a key is CORRUPT naming it (${kind})`, async () => {
      const inner = new MemoryBlobStore();
      const good = new PagableStorageBase(inner);
      const g = await saveGraph(good);
      const garbage = (key: DataKey, b: { data: Uint8Array; arcs: DataKey[] } | undefined): typeof b =>
        key === g.branches[0] && b !== undefined ? { data: b.data, arcs: [GARBAGE, ...b.arcs.slice(1)] } : b;
      const store = delegating(inner, {
        getMany: async (keys) => (await inner.getMany(keys)).map((b, i) => garbage(keys[i]!, b)),
        getSync: sync ? (key) => garbage(key, inner.getSync(key)) : undefined,
        viewSync: undefined,
      });
      const s = new PagableStorageBase(store);
      const e = await expectError(s.load(Branch, g.branches[0]!), 'CORRUPT');
      // The key shown is cut at 40 characters.
      expect(e.message).to.contain(`child key ${JSON.stringify(GARBAGE.slice(0, 40))} is not a key`);
      await s.close();
      await good.close();
    });
  }
});
