/* The round trips every decorator dialect must pass, written once and run on each compiled model. */
import { expect } from 'chai';
import * as pagable from '../../src/index.js';
import { InMemoryPagableStorage, PagableArc } from '../../src/index.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';
import type { Class } from '../../src/metadata/type-spec.js';
import type { Model } from '../dialects/model.js';
import { sampleDoc } from '../dialects/sample.js';

function fieldsOf(cls: Class): Array<[string, string, readonly string[]]> {
  const meta = getClassMeta(cls);
  expect(meta, `${cls.name} is @Pagable`).to.not.equal(undefined);
  return meta!.fields.map((f) => [f.name, f.kind, f.aliases]);
}

/** Registers mocha tests that save and load the sample graph through `model()`'s classes. */
export function describeRoundTrips(model: () => Model): void {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });

  it('round-trips plain data, class-typed fields and arrays of classes', async () => {
    const m = model();
    const { doc } = sampleDoc(pagable, m, s);
    const back = await s.load(m.Doc, await s.save(doc));
    expect(back).to.be.instanceOf(m.Doc);
    expect(back.title).to.equal('Dune');
    expect(back.tags).to.deep.equal(['sf', 'classic']);
    expect([...back.counts]).to.deep.equal([
      ['pages', 412],
      ['-0', -0],
    ]);
    expect(Object.is(back.counts.get('-0'), -0)).to.equal(true);
    expect(back.extra).to.deep.equal({ nested: [1, 'two', null, 3n] });
    expect(back.origin).to.be.instanceOf(m.Point).and.deep.include({ x: 0, y: 0 });
    expect(back.path.map((q) => q instanceof m.Point)).to.deep.equal([true, true]);
    expect(back.path.map((q) => [q.x, q.y])).to.deep.equal([
      [1, 2],
      [3, 4],
    ]);
  });

  it('keeps @Shared identity', async () => {
    const m = model();
    const { doc } = sampleDoc(pagable, m, s);
    const back = await s.load(m.Doc, await s.save(doc));
    expect(back.main).to.be.instanceOf(m.Dep);
    expect(back.deps[0]).to.equal(back.main);
    expect(back.deps[1]!.deps[0]).to.equal(back.main);
    expect(back.deps[1]!.name).to.equal('other');
  });

  it('restores @Lazy PagedOut, and pins it back with its shared child', async () => {
    const m = model();
    const { doc } = sampleDoc(pagable, m, s);
    const back = await s.load(m.Doc, await s.save(doc));
    expect(back.lazy).to.be.instanceOf(PagableArc);
    expect(back.lazy!.isPagedOut).to.equal(true);
    const pin = await back.lazy!.pin();
    expect(pin.value).to.be.instanceOf(m.Dep);
    expect(pin.value.name).to.equal('lazy');
    expect(pin.value.deps[0]!.name).to.equal('shared');
    pin.release();
  });

  it('restores @Dyn values as their tagged classes', async () => {
    const m = model();
    const { doc } = sampleDoc(pagable, m, s);
    const back = await s.load(m.Doc, await s.save(doc));
    expect(back.any).to.be.instanceOf(m.Square).and.deep.include({ side: 3 });
    expect(back.shape).to.be.instanceOf(m.Circle);
    expect(back.shape!.area()).to.be.closeTo(Math.PI, 1e-12);
    expect(back.shapes.map((x) => x.constructor)).to.deep.equal([m.Square, m.Circle]);
  });

  it('inherits fields, base first in declaration order, through an undecorated class', async () => {
    const m = model();
    expect(fieldsOf(m.Leaf).map(([name]) => name)).to.deep.equal(['id', 'createdAt', 'note', 'extra']);
    const { doc } = sampleDoc(pagable, m, s);
    const back = await s.load(m.Doc, await s.save(doc));
    expect(back.base).to.be.instanceOf(m.Leaf);
    expect(back.base).to.deep.include({ id: 'leaf-1', note: 'from Middle', extra: 42 });
    expect(back.base!.createdAt.toISOString()).to.equal('2024-01-02T03:04:05.000Z');
    // A root saved as the subclass comes back as it through its base.
    const leaf = await s.load(m.Base, await s.save(doc.base!));
    expect(leaf).to.be.instanceOf(m.Leaf);
  });

  it('records every field with its kind and aliases, in declaration order', () => {
    const m = model();
    expect(fieldsOf(m.Doc)).to.deep.equal([
      ['title', 'field', ['heading']],
      ['tags', 'field', []],
      ['counts', 'field', []],
      ['extra', 'field', []],
      ['origin', 'field', []],
      ['path', 'field', []],
      ['base', 'field', []],
      ['main', 'shared', ['dependency']],
      ['deps', 'shared', []],
      ['lazy', 'lazy', ['later']],
      ['any', 'dyn', ['anything']],
      ['shape', 'dyn', ['figure']],
      ['shapes', 'dyn', []],
    ]);
    expect(fieldsOf(m.Leaf)).to.deep.equal([
      ['id', 'field', ['key']],
      ['createdAt', 'field', ['created']],
      ['note', 'field', []],
      ['extra', 'field', []],
    ]);
    expect(getClassMeta(m.Doc)!.name).to.equal('Document');
  });
}
