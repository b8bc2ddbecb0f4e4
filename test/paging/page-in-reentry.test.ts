/*
 * A page-in reuses the last finished page-in's bookkeeping (paging/page-in.ts `PageInRun.take`).
 * What users rely on through that: a page-in started while another is running (from an
 * afterPageIn hook, or a codec's decode) is a page-in of its own; one that failed leaves nothing
 * behind for the next; and consecutive pins each see their own blob, shared children included.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, PagableError, Shared } from '../../src/index.js';

@Pagable()
class Leaf {
  @Field() name = '';
  static of(name: string): Leaf {
    return Object.assign(new Leaf(), { name });
  }
}

@Pagable()
class Part {
  @Shared(() => Leaf) a = new Leaf();
  @Shared(() => Leaf) b = new Leaf();
  static of(a: Leaf, b: Leaf): Part {
    return Object.assign(new Part(), { a, b });
  }
}

/** Pins its lazy part synchronously from its afterPageIn hook: a page-in inside a page-in. */
@Pagable()
class Eager {
  @Shared(() => Leaf) own = new Leaf();
  @Lazy(() => Part) part!: PagableArc<Part>;
  seen: Part | undefined;
  afterPageIn(): void {
    this.seen = this.part.borrowSync().value;
  }
}

describe('paging: a page-in inside, after and beside another', () => {
  it('a page-in started from an afterPageIn hook restores its own graph, and the outer one stays whole', async () => {
    const s = new InMemoryPagableStorage();
    // A page-in finished before: the outer page-in takes its bookkeeping, the inner one must not.
    await s.load(Leaf, await s.save(Leaf.of('before')));
    const shared = Leaf.of('both');
    const e = Object.assign(new Eager(), { own: Leaf.of('outer') });
    e.part = PagableArc.new(Part.of(shared, Leaf.of('inner b')), s);
    const key = await s.save(e);
    const got = await s.load(Eager, key);
    expect(got.own.name).to.equal('outer');
    expect(got.seen?.a.name).to.equal('both');
    expect(got.seen?.b.name).to.equal('inner b');
  });

  it('a failed page-in leaves nothing to the next one', async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(Part.of(Leaf.of('x'), Leaf.of('y')));
    const missing = 'f'.repeat(32);
    const err = await s.load(Part, missing).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(PagableError.is(err, 'NOT_FOUND')).to.equal(true);
    const got = await s.load(Part, key);
    expect([got.a.name, got.b.name]).to.deep.equal(['x', 'y']);
  });

  it('consecutive pins of many small lazies each restore their own blob, shared children shared within one', async () => {
    const s = new InMemoryPagableStorage();
    const arcs = Array.from({ length: 50 }, (_, i) => {
      const leaf = Leaf.of(`l${i}`);
      return PagableArc.new(Part.of(leaf, i % 2 === 0 ? leaf : Leaf.of(`m${i}`)), s);
    });
    await s.pageOutPending();
    for (let i = 0; i < arcs.length; i++) {
      const p = arcs[i]!.pinSync().value;
      expect(p.a.name).to.equal(`l${i}`);
      if (i % 2 === 0) expect(p.b).to.equal(p.a);
      else expect(p.b.name).to.equal(`m${i}`);
    }
  });
});
