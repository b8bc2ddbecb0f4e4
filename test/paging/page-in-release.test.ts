/*
 * A finished page-in keeps nothing of what it loaded alive: the run kept for the next page-in
 * (paging/page-in.ts `release`) lets go of the values, their holders, the objects whose
 * after-page-in hooks it ran, and the storage, for a small graph and for one past the lists it keeps.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

@TypeTag('page-in-release.Leaf')
@Pagable()
class Leaf {
  @Field() name = '';
  restored = false;
  afterPageIn(): void {
    this.restored = true;
  }
}

@Pagable()
class Part {
  @Field() n = 0;
  seen = false;
  afterPageIn(): void {
    this.seen = true;
  }
}

@Pagable()
class Holder {
  @Shared(() => [Leaf]) leaves!: Leaf[];
  @Field(() => [Part]) parts!: Part[];
  @Lazy(() => Leaf) cold!: PagableArc<Leaf> | undefined;
}

/**
 * Saves and loads a holder of `leaves` shared leaves and `parts` inline parts (each with a hook) on a
 * storage of its own, closes it, and returns WeakRefs to what the load gave and to the storage (a
 * function of its own, so no register holds them).
 */
async function loaded(leaves: number, parts: number, freeze: boolean): Promise<Array<WeakRef<object>>> {
  const s = new InMemoryPagableStorage({ freeze });
  // Unpinned: a pin left to the pin reaper would keep the storage until a finalizer runs.
  const cold = PagableArc.new(Object.assign(new Leaf(), { name: 'cold' }), s);
  cold.unpin();
  const h = Object.assign(new Holder(), {
    leaves: Array.from({ length: leaves }, (_, i) => Object.assign(new Leaf(), { name: `l${i}` })),
    parts: Array.from({ length: parts }, (_, i) => Object.assign(new Part(), { n: i })),
    cold,
  });
  const key = await s.save(h);
  const back = await s.load(Holder, key);
  expect(back.leaves).to.have.length(leaves);
  expect(back.leaves.every((l) => l.restored)).to.equal(true);
  expect(back.parts.every((p) => p.seen)).to.equal(true);
  const refs = [back, back.leaves[0]!, back.leaves[leaves - 1]!, back.parts[0]!, back.leaves, s].map((o) => new WeakRef<object>(o));
  await s.close();
  return refs;
}

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc!();
  }
}

describe('a finished page-in keeps nothing alive', () => {
  for (const freeze of [false, true]) {
    const on = freeze ? ' (freeze: true)' : '';

    it(`a small graph: its values, the objects its hooks ran on and the storage can be collected${on}`, async function () {
      if (gc === undefined) return this.skip();
      const refs = await loaded(3, 2, freeze);
      await collect();
      expect(refs.map((r) => r.deref() === undefined)).to.deep.equal(refs.map(() => true));
    });

    it(`a graph past the lists a finished run keeps (5,000 hooks): the same${on}`, async function () {
      if (gc === undefined) return this.skip();
      const refs = await loaded(2, 5000, freeze);
      await collect();
      expect(refs.map((r) => r.deref() === undefined)).to.deep.equal(refs.map(() => true));
    });
  }
});
