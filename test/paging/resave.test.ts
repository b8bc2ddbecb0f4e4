/*
 * Re-save without re-work: on a storage with `freeze: true`, saving again a graph that was loaded
 * from it (or saved into it) and not changed since refers to the keys of its unchanged blobs
 * instead of encoding them again; a changed leaf re-encodes the path to it. What was not frozen, or
 * could have changed (a typed array somewhere below), or was written in another layout, or may
 * have been deleted by a gc, is encoded again: a re-save never stores a stale value.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../../src/index.js';

@TypeTag('resave.Leaf')
@Pagable()
class Leaf {
  @Field() name!: string;
  @Field() size!: number;
  @Field() when!: Date;
  @Field() flags!: Map<string, string>;
  @Field() bytes!: Uint8Array | undefined;
  static of(name: string, size: number, bytes?: Uint8Array): Leaf {
    return Object.assign(new Leaf(), { name, size, when: new Date(1_700_000_000_000 + size), flags: new Map([['k', name]]), bytes });
  }
}

@TypeTag('resave.Group')
@Pagable()
class Group {
  @Field() label!: string;
  @Shared(() => [Leaf]) leaves!: Leaf[];
  @Lazy(() => Leaf) cold!: PagableArc<Leaf> | undefined;
}

@TypeTag('resave.Tree')
@Pagable()
class Tree {
  @Field() title!: string;
  @Shared(() => [Group]) groups!: Group[];
}

/** A tree of `g` groups of `l` leaves each (leaf sizes distinct, so every blob is distinct). */
function tree(g: number, l: number, bytesAt = -1): Tree {
  const groups = Array.from({ length: g }, (_, i) =>
    Object.assign(new Group(), {
      label: `g${i}`,
      leaves: Array.from({ length: l }, (_, j) =>
        Leaf.of(`l${i}.${j}`, i * 1000 + j, i * l + j === bytesAt ? new Uint8Array([1, 2, 3]) : undefined),
      ),
      cold: undefined,
    }),
  );
  return Object.assign(new Tree(), { title: 't', groups });
}

function copyOf<T extends object>(o: T, changes: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(o) as object) as T, o, changes);
}

/** `t` with its last group's last leaf changed (size + 1), the path to it copied as frozen data is changed. */
function lastLeafChanged(t: Tree): Tree {
  const g = t.groups[t.groups.length - 1]!;
  const leaf = g.leaves[g.leaves.length - 1]!;
  const g2 = copyOf(g, { leaves: [...g.leaves.slice(0, -1), copyOf(leaf, { size: leaf.size + 1 })] });
  return copyOf(t, { groups: [...t.groups.slice(0, -1), g2] });
}

/** Blobs written by `f` on `s` (every blob put, new or not). */
async function writes(s: InMemoryPagableStorage, f: () => Promise<unknown>): Promise<number> {
  const before = s.stats().stores;
  await f();
  return s.stats().stores - before;
}

describe('re-save without re-work (freeze: true)', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage({ freeze: true });
  });
  afterEach(async () => {
    await s.close();
  });

  it('a loaded graph comes back frozen, Maps and Dates included', async () => {
    const key = await s.save(tree(2, 2));
    const t = await s.load(Tree, key);
    expect(Object.isFrozen(t)).to.equal(true);
    expect(Object.isFrozen(t.groups)).to.equal(true);
    const leaf = t.groups[0]!.leaves[0]!;
    expect(Object.isFrozen(leaf)).to.equal(true);
    expect(() => leaf.flags.set('x', 'y')).to.throw(TypeError, /Map\.set.*frozen/);
    expect(() => leaf.flags.clear()).to.throw(TypeError);
    expect(() => leaf.when.setTime(0)).to.throw(TypeError, /Date\.setTime.*frozen/);
    expect(leaf.flags.get('k')).to.equal('l0.0');
    expect(leaf.when.getTime()).to.equal(1_700_000_000_000);
  });

  it('re-saving an unchanged loaded graph writes nothing and gives the same key', async () => {
    const key = await s.save(tree(3, 4));
    const t = await s.load(Tree, key);
    let again = '';
    expect(await writes(s, async () => (again = await s.save(t)))).to.equal(0);
    expect(again).to.equal(key);
  });

  it('one leaf changed: only the path to it is encoded again, and it reads back changed', async () => {
    // 331 blobs: past the 256 keys a run's bookkeeping starts with.
    const key = await s.save(tree(30, 10));
    const changed = lastLeafChanged(await s.load(Tree, key));
    const blobs = s.stats().blobs;
    let k2 = '';
    const n = await writes(s, async () => (k2 = await s.save(changed)));
    // Three new blobs (the tree, the last group, the leaf), written with their schema sets' blobs
    // (a set blob and a class blob each): nothing else is encoded.
    expect(s.stats().blobs - blobs).to.equal(3);
    expect(n).to.equal(3 * 3);
    expect(k2).to.not.equal(key);
    const back = await s.load(Tree, k2);
    expect(back.groups[29]!.leaves[9]!.size).to.equal(29010);
    expect(back.groups[0]!.leaves.map((l) => l.size)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(back.groups[28]!.leaves[9]!.size).to.equal(28009);
    // The same graph saved into a storage that knows nothing of it: the same key.
    const other = new InMemoryPagableStorage();
    try {
      expect(await other.save(changed)).to.equal(k2);
    } finally {
      await other.close();
    }
  });

  it('a graph saved (not loaded) is frozen by the save and re-saved without re-work too', async () => {
    const t = tree(3, 4);
    const key = await s.save(t);
    expect(Object.isFrozen(t.groups[1]!.leaves[2]!)).to.equal(true);
    expect(await writes(s, () => s.save(t))).to.equal(0);
    const changed = lastLeafChanged(t);
    const all = await writes(s, () => s.save(tree(3, 4)));
    expect(await writes(s, () => s.save(changed))).to.be.lessThan(all / 2);
    expect((await s.load(Tree, key)).groups[2]!.leaves[3]!.size).to.equal(2003);
  });

  it('a typed array below a blob (it cannot be frozen) makes it and every blob above it encoded again', async () => {
    const key = await s.save(tree(2, 2, 3));
    const t = await s.load(Tree, key);
    const bytes = t.groups[1]!.leaves[1]!.bytes!;
    bytes[0] = 9;
    const k2 = await s.save(t);
    expect(k2).to.not.equal(key);
    expect([...(await s.load(Tree, k2)).groups[1]!.leaves[1]!.bytes!]).to.deep.equal([9, 2, 3]);
    // The same on a graph saved, not loaded.
    const t2 = tree(2, 2, 0);
    const k3 = await s.save(t2);
    t2.groups[0]!.leaves[0]!.bytes![2] = 7;
    const k4 = await s.save(t2);
    expect(k4).to.not.equal(k3);
    expect([...(await s.load(Tree, k4)).groups[0]!.leaves[0]!.bytes!]).to.deep.equal([1, 2, 7]);
  });

  it('after a gc (which may delete what a frozen object came from) everything is encoded again', async () => {
    const key = await s.save(tree(2, 3));
    const stored = s.stats().blobs;
    const t = await s.load(Tree, key);
    const report = await s.gc(); // nothing is rooted: every blob goes
    expect(report.freedBlobs).to.equal(stored);
    const k2 = await s.save(t);
    expect(k2).to.equal(key);
    // Every blob is back (the loaded objects are still cached: a load alone would not tell).
    expect(s.stats().blobs).to.equal(stored);
    const back = await s.load(Tree, k2);
    expect(back.groups[1]!.leaves.map((l) => l.name)).to.deep.equal(['l1.0', 'l1.1', 'l1.2']);
  });

  it('a blob an earlier load took as it was (a typed array: not remembered) is not trusted by a later load sharing it', async () => {
    const shared = Leaf.of('shared', 5, new Uint8Array([1, 2, 3]));
    const group = (label: string): Group => Object.assign(new Group(), { label, leaves: [shared], cold: undefined });
    const ka = await s.save(group('a'));
    const kb = await s.save(group('b'));
    const la = await s.load(Group, ka);
    const lb = await s.load(Group, kb); // its leaf is la's, from the storage's cache: not decoded again
    expect(lb.leaves[0]).to.equal(la.leaves[0]);
    lb.leaves[0]!.bytes![0] = 9;
    const kb2 = await s.save(lb);
    expect(kb2).to.not.equal(kb);
    expect([...(await s.load(Group, kb2)).leaves[0]!.bytes!]).to.deep.equal([9, 2, 3]);
  });

  it('lazy children stay arcs: a loaded graph with a paged-out @Lazy field is re-saved without pinning it', async () => {
    const t = tree(2, 2);
    const cold = PagableArc.new(Leaf.of('cold', 77), s);
    cold.unpin();
    await s.pageOutPending();
    t.groups[0]!.cold = cold;
    const key = await s.save(t);
    const loaded = await s.load(Tree, key);
    expect(loaded.groups[0]!.cold!.isPagedOut).to.equal(true);
    expect(await writes(s, () => s.save(loaded))).to.equal(0);
    const changed = lastLeafChanged(loaded);
    const k2 = await s.save(changed);
    const pin = await (await s.load(Tree, k2)).groups[0]!.cold!.pin();
    expect(pin.value.size).to.equal(77);
  });

  it('is off without freeze: a loaded graph stays mutable and a mutation is stored', async () => {
    const p = new InMemoryPagableStorage();
    try {
      const key = await p.save(tree(2, 2));
      const t = await p.load(Tree, key);
      expect(Object.isFrozen(t)).to.equal(false);
      t.groups[0]!.leaves[0]!.size = 99;
      const k2 = await p.save(t);
      expect(k2).to.not.equal(key);
      expect((await p.load(Tree, k2)).groups[0]!.leaves[0]!.size).to.equal(99);
    } finally {
      await p.close();
    }
  });
});

@Pagable({ name: 'resave.Versioned' })
class VersionOne {
  @Field() a!: number;
}

@Pagable({ name: 'resave.Versioned' })
class VersionTwo {
  @Field() a!: number;
  @Field({ default: () => 5 }) b!: number;
}

@Pagable({ name: 'resave.Holder' })
class Holder1 {
  @Field() label!: string;
  @Shared(() => VersionOne) v!: VersionOne;
}

@Pagable({ name: 'resave.Holder' })
class Holder2 {
  @Field() label!: string;
  @Shared(() => VersionTwo) v!: VersionTwo;
}

describe('re-save without re-work: another version of a class', () => {
  it('a blob read through a newer version of its class is written again in the new layout', async () => {
    const s = new InMemoryPagableStorage({ freeze: true });
    const plain = new InMemoryPagableStorage();
    try {
      const key = await s.save(Object.assign(new Holder1(), { label: 'h', v: Object.assign(new VersionOne(), { a: 1 }) }));
      const loaded = await s.load(Holder2, key);
      expect(loaded.v.b).to.equal(5);
      const k2 = await s.save(loaded);
      const fresh = await plain.save(Object.assign(new Holder2(), { label: 'h', v: Object.assign(new VersionTwo(), { a: 1, b: 5 }) }));
      expect(k2).to.equal(fresh);
    } finally {
      await s.close();
      await plain.close();
    }
  });

  it('a blob an earlier load read through a newer version is not trusted by a later load sharing it', async () => {
    const s = new InMemoryPagableStorage({ freeze: true });
    const plain = new InMemoryPagableStorage();
    try {
      const v = Object.assign(new VersionOne(), { a: 1 });
      const ka = await s.save(Object.assign(new Holder1(), { label: 'a', v }));
      const kb = await s.save(Object.assign(new Holder1(), { label: 'b', v }));
      const la = await s.load(Holder2, ka);
      const lb = await s.load(Holder2, kb); // its v is la's, from the storage's cache
      expect(lb.v).to.equal(la.v);
      const fresh = await plain.save(Object.assign(new Holder2(), { label: 'b', v: Object.assign(new VersionTwo(), { a: 1, b: 5 }) }));
      expect(await s.save(lb)).to.equal(fresh);
    } finally {
      await s.close();
      await plain.close();
    }
  });
});
