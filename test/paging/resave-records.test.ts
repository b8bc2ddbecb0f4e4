/*
 * Re-save without re-work (freeze: true) where a save or a load must remember what it stored or
 * read: a graph of hundreds of blobs, a blob written for an arc in the same save, a blob an
 * earlier load took and a later one shares. Each is saved again without writing anything, under
 * the key a storage that knows nothing of it gives.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared } from '../../src/index.js';

@Pagable({ name: 'resave-records.Leaf' })
class Leaf {
  @Field() name!: string;
  static of(name: string): Leaf {
    return Object.assign(new Leaf(), { name });
  }
}

@Pagable({ name: 'resave-records.Group' })
class Group {
  @Field() label!: string;
  @Shared(() => [Leaf]) leaves!: Leaf[];
  @Lazy(() => Leaf) cold!: PagableArc<Leaf> | undefined;
  static of(label: string, leaves: Leaf[], cold?: PagableArc<Leaf>): Group {
    return Object.assign(new Group(), { label, leaves, cold });
  }
}

@Pagable({ name: 'resave-records.Tree' })
class Tree {
  @Shared(() => [Group]) groups!: Group[];
}

/** Blobs put by `f` on `s`, new or not. */
async function writes(s: InMemoryPagableStorage, f: () => Promise<unknown>): Promise<number> {
  const before = s.stats().stores;
  await f();
  return s.stats().stores - before;
}

/** The key a storage that knows nothing of `build()`'s graph gives it. */
async function freshKey(build: (s: InMemoryPagableStorage) => object): Promise<string> {
  const other = new InMemoryPagableStorage();
  try {
    return await other.save(build(other));
  } finally {
    await other.close();
  }
}

describe('re-save without re-work: what a save or load remembers', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage({ freeze: true });
  });
  afterEach(async () => {
    await s.close();
  });

  it('a saved graph of hundreds of blobs is saved again without writing anything', async () => {
    const build = (): Tree =>
      Object.assign(new Tree(), { groups: Array.from({ length: 300 }, (_, i) => Group.of(`g${i}`, [Leaf.of(`l${i}`)])) });
    const t = build();
    const key = await s.save(t);
    let again = '';
    expect(await writes(s, async () => (again = await s.save(t)))).to.equal(0);
    expect(again).to.equal(key);
    expect(key).to.equal(await freshKey(build));
  });

  it('a graph whose save wrote an arc it holds is saved again without writing anything', async () => {
    const g = Group.of('g', [Leaf.of('a')], PagableArc.new(Leaf.of('cold'), s));
    const key = await s.save(g);
    expect(g.cold!.dataKey).to.be.a('string');
    let again = '';
    expect(await writes(s, async () => (again = await s.save(g)))).to.equal(0);
    expect(again).to.equal(key);
    const back = await s.load(Group, key);
    const pin = await back.cold!.pin();
    expect(pin.value.name).to.equal('cold');
    pin.release();
  });

  it('a loaded graph sharing a blob an earlier load took is saved again without writing anything', async () => {
    const shared = Leaf.of('shared');
    const ka = await s.save(Group.of('a', [shared]));
    const kb = await s.save(Group.of('b', [shared, Leaf.of('own')]));
    const la = await s.load(Group, ka);
    const lb = await s.load(Group, kb); // its first leaf is la's, from the storage's cache
    expect(lb.leaves[0]).to.equal(la.leaves[0]);
    let again = '';
    expect(await writes(s, async () => (again = await s.save(lb)))).to.equal(0);
    expect(again).to.equal(kb);
  });
});
