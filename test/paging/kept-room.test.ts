/*
 * Measure 3 of src/paging/v8-workarounds.ts: a released page-out or page-in run keeps the room of
 * its typed lists for the next one, so a run of small page-outs or pins (one arc each, as automatic
 * page-out and lazy pins make them) allocates no list of its own. A list the last run filled to
 * less than a quarter is dropped back to its first room, and that first room is always kept.
 */
import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared } from '../../src/index.js';
import { keepRoom, WARM } from '../../src/paging/v8-workarounds.js';

@Pagable({ name: 'kept-room.Leaf' })
class Leaf {
  @Field() n = 0;
}

@Pagable({ name: 'kept-room.Tree' })
class Tree {
  @Lazy(() => [Leaf]) leaves: PagableArc<Leaf>[] = [];
  @Shared(() => [Leaf]) shared: Leaf[] = [];
}

/** The typed lists a kept run holds now (by field name), to tell whether the next run made new ones. */
function lists(run: object | undefined): Map<string, unknown> {
  expect(run, 'a kept run').to.not.equal(undefined);
  const out = new Map<string, unknown>();
  for (const [name, v] of Object.entries(run as Record<string, unknown>)) if (ArrayBuffer.isView(v)) out.set(name, v);
  const batch = (run as { batch?: object }).batch;
  if (batch !== undefined) for (const [name, v] of Object.entries(batch)) if (ArrayBuffer.isView(v)) out.set(`batch.${name}`, v);
  return out;
}

function expectSameLists(before: Map<string, unknown>, after: Map<string, unknown>, what: string): void {
  expect(before.size, `${what}: typed lists found`).to.be.greaterThan(2);
  for (const [name, list] of before) expect(after.get(name) === list, `${what}: ${name} is the list the last run kept`).to.equal(true);
}

describe('kept room of the runs’ typed lists (v8-workarounds.ts, measure 3)', () => {
  it('keeps a list at its first room whatever the run used, and a larger one only when a quarter of it was used', () => {
    expect(keepRoom(256, 0)).to.equal(true);
    expect(keepRoom(64, 1)).to.equal(true);
    expect(keepRoom(4096, 1024)).to.equal(true);
    expect(keepRoom(4096, 1023)).to.equal(false);
    expect(keepRoom(1 << 20, 1)).to.equal(false);
  });

  it('small page-outs one after another reuse the lists of the run before', async () => {
    const s = new InMemoryPagableStorage();
    const save = (n: number): Promise<unknown> => s.save(Object.assign(new Leaf(), { n }));
    await save(0);
    await save(1);
    const before = lists(WARM.pageOut);
    await save(2);
    expectSameLists(before, lists(WARM.pageOut), 'page-out');
  });

  it('small page-ins (lazy pins) one after another reuse the lists of the run before, after a large one', async () => {
    const s = new InMemoryPagableStorage();
    const tree = new Tree();
    for (let i = 0; i < 2000; i++) tree.leaves.push(PagableArc.new(Object.assign(new Leaf(), { n: i }), s));
    const loaded = await s.load(Tree, await s.save(tree));
    loaded.leaves[0]!.borrowSync().release();
    loaded.leaves[1]!.borrowSync().release();
    const before = lists(WARM.pageIn);
    const pin = loaded.leaves[2]!.borrowSync();
    expect(pin.value.n).to.equal(2);
    pin.release();
    expectSameLists(before, lists(WARM.pageIn), 'page-in');
  });

  it('a small page-in after a large one drops the large one’s lists, typed and JS alike', async () => {
    const s = new InMemoryPagableStorage();
    const tree = new Tree();
    for (let i = 0; i < 3000; i++) tree.shared.push(Object.assign(new Leaf(), { n: i }));
    tree.leaves.push(PagableArc.new(Object.assign(new Leaf(), { n: -1 }), s));
    const loaded = await s.load(Tree, await s.save(tree));
    expect(loaded.shared[2999]!.n).to.equal(2999);
    const room = (): { kId: number; kVal: number } => {
      const run = WARM.pageIn as { kId: Int32Array; kVal: unknown[] };
      return { kId: run.kId.length, kVal: run.kVal.length };
    };
    expect(room().kId).to.be.at.least(3000);
    expect(room().kVal).to.be.at.least(3000);
    loaded.leaves[0]!.borrowSync().release();
    expect(room()).to.deep.equal({ kId: 256, kVal: 0 });
  });
});
