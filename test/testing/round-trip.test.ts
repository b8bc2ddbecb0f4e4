import { expect } from 'chai';
import { Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, PagableError } from '../../src/index.js';
import { roundTrip, samplePackage, testingModels } from '../../src/testing/index.js';
import { expectError } from '../support/expect-error.js';

const { Circle, Package, Shape } = testingModels;

@Pagable()
class Note {
  @Field() text!: string;
  @Field() when!: Date;
  @Lazy(() => Note) reply?: PagableArc<Note>;
  /** Not decorated: not stored. */
  cache = 'filled by the constructor';
}

describe('pagable/testing: roundTrip', () => {
  it('gives back a copy of new objects of the same classes, and the key save gives in any storage', async () => {
    const s = new InMemoryPagableStorage();
    const pkg = samplePackage(s);
    const { value, key } = await roundTrip(pkg);
    expect(value).to.be.instanceOf(Package);
    expect(value).to.not.equal(pkg);
    expect(value.name).to.equal(pkg.name);
    expect(value.modules[0]!.imports[0]).to.equal(value.main); // shared, as in the original
    expect(await s.save(pkg)).to.equal(key);
    await s.close();
  });

  it('shows what a page-in does to a model: undecorated fields are absent, constructors do not run', async () => {
    const { value } = await roundTrip(Object.assign(new Note(), { text: 'hi', when: new Date(0) }));
    expect(value.text).to.equal('hi');
    expect(value.when.getTime()).to.equal(0);
    expect(value.cache).to.equal(undefined);
  });

  it('loads through a declared base class, as a tagged subclass', async () => {
    const { value } = await roundTrip(Circle.of(2), Shape);
    expect(value).to.be.instanceOf(Circle);
    expect(value.area()).to.be.closeTo(4 * Math.PI, 1e-9);
  });

  it('round-trips plain data (a Map) as its own class', async () => {
    const { value } = await roundTrip(
      new Map<string, unknown>([
        ['a', 1n],
        ['b', [-0]],
      ]),
    );
    expect(value).to.be.instanceOf(Map);
    expect(value.get('a')).to.equal(1n);
    expect(Object.is((value.get('b') as number[])[0], -0)).to.equal(true);
  });

  it('keeps its storage open: lazy arcs of the copy pin', async () => {
    const s = new InMemoryPagableStorage();
    const note = Object.assign(new Note(), {
      text: 'q',
      when: new Date(1),
      reply: PagableArc.new(Object.assign(new Note(), { text: 'a', when: new Date(2) }), s),
    });
    const { value, storage } = await roundTrip(note);
    expect(value.reply!.isPagedOut).to.equal(true);
    expect(await value.reply!.use((r) => r.text)).to.equal('a');
    expect(storage.stats().blobs).to.be.greaterThan(0);
    await s.close();
  });

  it('fails as save and load would: NOT_PAGABLE, TYPE_MISMATCH; an arc is INVALID_ARGUMENT', async () => {
    class Plain {
      x = 1;
    }
    await expectError(roundTrip(new Plain()), 'NOT_PAGABLE');
    const e = await expectError(roundTrip(Circle.of(1), Note), 'TYPE_MISMATCH');
    expect(e).to.be.instanceOf(PagableError);
    const s = new InMemoryPagableStorage();
    await expectError(roundTrip(PagableArc.new(Circle.of(1), s)), 'INVALID_ARGUMENT');
    await s.close();
  });
});
