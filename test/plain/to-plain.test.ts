import { expect } from 'chai';
import fc from 'fast-check';
import {
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  type Plain,
  type PlainGraph,
  exportPlain,
  toPlain,
} from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Dep, type Kitchen, kitchen } from '../support/models.js';
import { plain } from '../support/plain-values.js';

@Pagable()
class Doc {
  @Field() title!: string;
  @Field() note?: string;
  @Field() data!: unknown;
  @Lazy(() => Dep) body?: PagableArc<Dep>;
}

/** Every kind, with a lone surrogate, infinities, undefined, and data keys that begin with `$`. */
function everyKind(): Kitchen {
  return kitchen({
    s: 'a\ud800b',
    list: [1, NaN, Infinity, -Infinity, undefined],
    obj: { z: 1, f: new Float64Array([1.5, NaN]), $ref: 'data', $$x: 2 },
  });
}

/** The inverse of the representation for plain data, as a consumer would write it. */
function fromPlain(p: Plain): unknown {
  if (p === null || typeof p !== 'object') return p;
  if (Array.isArray(p)) return p.map(fromPlain);
  if ('$undefined' in p) return undefined;
  if ('$number' in p) return Number(p.$number);
  if ('$bigint' in p) return BigInt(p.$bigint as string);
  if ('$date' in p) return new Date(p.$date === null ? NaN : (p.$date as string));
  if ('$bytes' in p) return new Uint8Array(Buffer.from(p.$bytes as string, 'base64'));
  if ('$utf16' in p) return String.fromCharCode(...(p.$utf16 as number[]));
  if ('$map' in p) return new Map((p.$map as Plain[][]).map(([k, v]) => [fromPlain(k!), fromPlain(v!)]));
  if ('$set' in p) return new Set((p.$set as Plain[]).map(fromPlain));
  if ('$typed' in p) {
    const T = (globalThis as unknown as Record<string, new (values: unknown[]) => unknown>)[p.$typed as string]!;
    return new T((p.values as Plain[]).map(fromPlain));
  }
  const o: Record<string, unknown> = p.$proto === null ? Object.create(null) : {};
  const put = (k: string, v: unknown): void =>
    void Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  if ('$object' in p) for (const [k, v] of p.$object as Plain[][]) put(fromPlain(k!) as string, fromPlain(v!));
  for (const k of Object.keys(p)) {
    if (k.startsWith('$$')) put(k.slice(1), fromPlain(p[k]!));
    else if (!k.startsWith('$')) put(k, fromPlain(p[k]!));
  }
  return o;
}

describe('plain: toPlain and exportPlain', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  it('spells out what JSON cannot say, each kind one way', () => {
    const g = toPlain(everyKind());
    expect(Object.keys(g.blobs)).to.deep.equal([g.root]);
    const obj: Record<string, Plain> = { z: 1, f: { $typed: 'Float64Array', values: [1.5, { $number: 'NaN' }] }, $$ref: 'data', $$$x: 2 };
    Object.defineProperty(obj, '__proto__', { value: 5, enumerable: true, writable: true, configurable: true });
    expect(g.blobs[g.root]).to.deep.equal({
      $class: 'test.Kitchen',
      s: { $utf16: [97, 0xd800, 98] },
      n: { $number: '-0' },
      b: true,
      big: { $bigint: '1267650600228229401496703205376' },
      nil: null,
      when: { $date: '1970-01-01T00:00:00.000Z' },
      bytes: { $bytes: 'AQID' },
      map: {
        $map: [
          ['a', 1],
          [2, 'two'],
        ],
      },
      set: { $set: [1, 'x'] },
      list: [1, { $number: 'NaN' }, { $number: 'Infinity' }, { $number: '-Infinity' }, { $undefined: true }],
      obj,
      circles: [{ $class: 'test.Circle', r: 1 }],
      anyShape: { $class: 'test.Square', side: 2 },
    });
    expect(JSON.parse(JSON.stringify(g))).to.deep.equal(g);
    const odd = Object.assign(Object.create(null) as Record<string, unknown>, { '\udc00': 1 });
    expect(toPlain([odd, Object.assign(Object.create(null) as object, { a: 1 })]).blobs).to.deep.include({
      [toPlain([odd, Object.assign(Object.create(null) as object, { a: 1 })]).root]: [
        { $proto: null, $object: [[{ $utf16: [0xdc00] }, 1]] },
        { $proto: null, a: 1 },
      ],
    });
  });

  it('shared children are entries of their own, named by the keys save gives; lazy children stay references', async () => {
    const base = Dep.of('base');
    const app = Dep.of('app', '2.0', [base, Dep.of('mid', '1.0', [base])]);
    const g = toPlain(app);
    expect(g.root).to.equal(await s.save(app));
    const baseKey = await s.save(base);
    expect(g.blobs[g.root]).to.deep.include({ $class: 'Dep', name: 'app' });
    const mid = (g.blobs[g.root] as { deps: Array<{ $ref: string }> }).deps[1]!.$ref;
    expect((g.blobs[mid] as { deps: unknown }).deps).to.deep.equal([{ $ref: baseKey }]);
    expect(Object.keys(g.blobs)).to.have.length(3); // base once, however many references
    expect(g.blobs[baseKey]).to.deep.equal({ $class: 'Dep', name: 'base', version: '1.0.0', deps: [] });
  });

  it('leaves out undefined fields, writes no arc, fetches nothing, changes no arc', async () => {
    const body = PagableArc.new(Dep.of('body'), s);
    body.unpin();
    await s.pageOutPending();
    const fetches = s.stats().fetches;
    const resident = PagableArc.new(Dep.of('resident'), s);
    const g1 = toPlain(Object.assign(new Doc(), { title: 't', data: [undefined], body }));
    const g2 = toPlain(Object.assign(new Doc(), { title: 't', data: [undefined], body: resident }));
    const root = g1.blobs[g1.root] as Record<string, Plain>;
    expect(root).to.deep.equal({ $class: 'Doc', title: 't', data: [{ $undefined: true }], body: { $ref: body.dataKey!, lazy: true } });
    expect(Object.keys(g1.blobs)).to.deep.equal([g1.root]);
    expect(s.stats().fetches).to.equal(fetches);
    expect(Object.keys(g2.blobs)).to.deep.equal([g2.root]);
    expect(resident.dataKey).to.equal(undefined);
    expect(resident.state).to.equal('Pinned');
  });

  it('exportPlain gives what toPlain gives for the stored graph, and follows lazy children depth levels', async () => {
    const doc = Object.assign(new Doc(), { title: 't', data: { k: 1n }, body: PagableArc.new(Dep.of('b', '1', [Dep.of('c')]), s) });
    const live = toPlain(doc);
    const key = await s.save(doc);
    expect(await exportPlain(s, key)).to.deep.equal(live);
    const deep = await exportPlain(s, key, { depth: 1 });
    expect(Object.keys(deep.blobs)).to.have.length(3);
    expect(deep.blobs[doc.body!.dataKey!]).to.deep.include({ $class: 'Dep', name: 'b' });
    await expectError(exportPlain(s, key, { depth: -1 }), 'INVALID_ARGUMENT');
    await expectError(exportPlain(s, 'ffffffffffffffffffffffffffffffff'), 'NOT_FOUND');
  });

  it('refuses what save refuses, and a paged-out arc as the value', async () => {
    expect(() => toPlain({ f: () => 1 })).to.throw(/function/i);
    const arc = PagableArc.new(Dep.of('a'), s);
    expect((toPlain(arc).blobs[toPlain(arc).root] as { name: string }).name).to.equal('a');
    arc.unpin();
    await s.pageOutPending();
    expect(() => toPlain(arc)).to.throw(/paged out/);
  });

  it('is unambiguous for plain data: decoding the JSON text gives a value of the same key', () => {
    fc.assert(
      fc.property(plain, (v) => {
        const g: PlainGraph = JSON.parse(JSON.stringify(toPlain([v]))) as PlainGraph;
        const back = fromPlain(g.blobs[g.root]!);
        expect(toPlain(back as object).root).to.equal(g.root);
      }),
      { numRuns: Number(process.env.PAGABLE_FUZZ ?? 200) },
    );
  });
});
