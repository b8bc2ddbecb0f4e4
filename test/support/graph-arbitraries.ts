/*
 * fast-check arbitraries of whole graphs for the fuzz properties (test/fuzz.test.ts): an
 * `Everything` root using every field kind, over a Dep DAG with diamonds (shared children), lazy
 * arcs, polymorphic shapes repeated by identity, and plain data of every supported kind, with
 * strings of any printable unicode. The graph is built against a storage (its arcs are bound to it).
 */
import fc from 'fast-check';
import { expect } from 'chai';
import assert from 'node:assert/strict';
import { PagableArc, type PagableStorage } from '../../src/index.js';
import { Doc } from './arc-models.js';
import { Everything } from './fuzz-models.js';
import { Circle, Dep, Shape, Square } from './models.js';

/** Printable unicode strings (graphemes: astral planes, combining marks, ZWJ sequences). */
export const text = fc.string({ unit: 'grapheme', maxLength: 12 });

/** Plain data of every kind the codec supports; null-prototype objects have their own test (chai). */
export const plainData: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 20 }),
    fc.float64Array({ maxLength: 4 }),
    fc.int16Array({ maxLength: 4 }),
    fc.bigInt64Array({ maxLength: 3 }),
  ),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(text, tie('node'), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.tuple(tie('leaf'), tie('node')), { maxLength: 4 }).map((e) => new Map(e)),
    fc.array(fc.oneof(text, fc.integer(), fc.bigInt()), { maxLength: 5 }).map((e) => new Set(e)),
  ),
})).node;

/** The shape of a generated graph, before it is built against a storage. */
export interface GraphPlan {
  deps: Array<{ name: string; version: string; deps: number[] }>;
  shapes: Array<{ circle: boolean; size: number }>;
  picks: number[];
  lazyDep: number | null;
  plain: unknown;
  sharedPlain: unknown;
  lazyPlain: unknown;
  docs: string[];
}

/** A random graph plan: a DAG of Deps, shapes picked with repeats, plain data, lazy children. */
export const graphPlan: fc.Arbitrary<GraphPlan> = fc.record({
  deps: fc.array(fc.record({ name: text, version: text, deps: fc.uniqueArray(fc.nat(), { maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 10,
  }),
  shapes: fc.array(fc.record({ circle: fc.boolean(), size: fc.double({ noNaN: false }) }), { minLength: 1, maxLength: 4 }),
  picks: fc.array(fc.nat(), { maxLength: 6 }),
  lazyDep: fc.option(fc.nat()),
  plain: plainData,
  sharedPlain: fc.oneof(fc.array(plainData, { maxLength: 3 }), fc.dictionary(text, plainData, { maxKeys: 3, noNullPrototype: true })),
  lazyPlain: plainData,
  docs: fc.array(text, { maxLength: 3 }),
});

/** Builds the graph of `plan`, its arcs bound to `s`. */
export function buildGraph(plan: GraphPlan, s: PagableStorage): Everything {
  const deps: Dep[] = [];
  plan.deps.forEach((d, i) => {
    const kids = i === 0 ? [] : [...new Set(d.deps.map((k) => k % i))].map((k) => deps[k]!);
    deps.push(Dep.of(d.name, d.version, kids));
  });
  const shapes: Shape[] = plan.shapes.map((p) => (p.circle ? Circle.of(p.size) : Square.of(p.size)));
  const pick = (n: number): Shape => shapes[n % shapes.length]!;
  return Object.assign(new Everything(), {
    shape: pick(1),
    dep: deps[deps.length - 1],
    dyn: pick(2),
    anything: pick(3),
    lazy: plan.lazyDep === null ? undefined : PagableArc.new(deps[plan.lazyDep % deps.length]!, s),
    plain: plan.plain,
    // The same instances repeated: they must come back shared.
    shapes: plan.picks.map(pick),
    docs: plan.docs.map((t) => PagableArc.new(Doc.of(t, 2), s)),
    grid: [plan.shapes.filter((p) => p.circle).map((p) => Circle.of(p.size))],
    sharedPlain: plan.sharedPlain,
    lazyPlain: PagableArc.new(plan.lazyPlain, s),
  });
}

/** The value an arc holds (pinned and released), or undefined for no arc. */
async function arcValue(a: PagableArc<unknown> | undefined): Promise<unknown> {
  if (a === undefined) return undefined;
  const pin = await a.pin();
  try {
    return pin.value;
  } finally {
    pin.release();
  }
}

/**
 * Asserts `back` is `orig` come back: equal values, the same classes, arcs holding equal values,
 * and objects shared in `orig` (the Dep DAG, the repeated shapes) shared in `back` too.
 */
export async function expectSameGraph(back: Everything, orig: Everything): Promise<void> {
  expect(back).to.be.instanceOf(Everything);
  const { lazy: bl, docs: bd, lazyPlain: blp, ...bRest } = back;
  const { lazy: ol, docs: od, lazyPlain: olp, ...oRest } = orig;
  // Node's comparison, not chai's: chai's deep equal throws on a Map holding an object whose
  // `toString` is not a function (it sorts Map entries by their string form).
  assert.deepStrictEqual(bRest, oRest);
  assert.deepStrictEqual(await arcValue(bl), await arcValue(ol));
  assert.deepStrictEqual(await arcValue(blp), await arcValue(olp));
  expect(bd).to.have.length(od.length);
  for (let i = 0; i < od.length; i++) assert.deepStrictEqual(await arcValue(bd[i]), await arcValue(od[i]));
  // Sharing: walk both graphs side by side; one original object must map to one restored object.
  const seen = new Map<object, object>();
  const todo: Array<[unknown, unknown]> = [[orig.dep, back.dep], ...orig.shapes.map((x, i) => [x, back.shapes[i]] as [unknown, unknown])];
  while (todo.length > 0) {
    const [o, b] = todo.pop()!;
    if (!(o instanceof Dep) && !(o instanceof Shape)) continue;
    const was = seen.get(o);
    if (was !== undefined) {
      expect(was === b, 'an object shared in the original is not shared after the round trip').to.equal(true);
      continue;
    }
    seen.set(o, b as object);
    if (o instanceof Dep) o.deps.forEach((d, i) => todo.push([d, (b as Dep).deps[i]]));
  }
}
