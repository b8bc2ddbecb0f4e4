/*
 * The fuzzer's corpus: real blobs, made by saving varied graphs (classes, tags, @Shared, @Lazy,
 * @Dyn, Maps, Sets, Dates, bigints, typed arrays, nested plain data, unicode strings) through the
 * public API into the storage under test, then collected by walking child keys from the roots.
 * Built from a seed, so a run and its replay see the same corpus.
 */
import { type Class, type DataKey, type PagableData, PagableArc, type PagableStorage } from '../../src/index.js';
import { Blob, Catalog, CfgNodeData, Doc, Item, SharedHolder, UNodeData, UNodeList } from './arc-models.js';
import type { MutationPool } from './blob-mutator.js';
import { Cat, Dog } from './ct-models.js';
import { CtAddress, CtOwner, Everything, type LazyBox, lazyBoxOf } from './fuzz-models.js';
import { Circle, Dep, Kitchen, LazyLink, Link, Module, Package, Shape, Square } from './models.js';
import type { Rng } from './prng.js';

/** One blob of the corpus. */
export interface CorpusEntry {
  key: DataKey;
  blob: PagableData;
  /** The class it was written as, when the graph says so; undefined for plain data or mixed children. */
  cls: Class | undefined;
  /** Which graph it comes from, for messages. */
  label: string;
  /** Keys of corpus blobs that list this one as a child. */
  parents: DataKey[];
}

/** A box blob for each target class: pinning its arc pages in the child as that class. */
export interface BoxTemplate {
  box: Class<LazyBox>;
  blob: PagableData;
  /** Index of the item's key in `blob.arcs`: a hostile key goes there. */
  slot: number;
}

/** The corpus and what cases draw from it. */
export interface Corpus {
  entries: CorpusEntry[];
  byKey: Map<DataKey, CorpusEntry>;
  rootKeys: DataKey[];
  pool: MutationPool;
  /** Classes a hostile blob is loaded as (Object: as plain data). */
  targets: Class[];
  boxes: Map<Class, BoxTemplate>;
}

const STRINGS = [
  '',
  'a',
  'héllo ✓',
  '日本語のテキスト',
  '🦀 crab 👩‍👩‍👧 family',
  'e\u0301',
  'שלום עולם',
  '\u0000nul\u0001',
  'a\ud800b',
  '\udfff',
  'x'.repeat(40),
  'long '.repeat(70),
  'test.Circle',
  '__proto__',
  'prototype',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53),
  1.5,
  -2.25,
  NaN,
  Infinity,
  -Infinity,
  1e300,
  5e-324,
];
const BIGINTS = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, 2n ** 100n, -(3n ** 80n)];
// 'constructor' and 'toJSON' keys are left to the round-trip property: saving them is a bug of its own.
const KEYS = ['a', 'b', 'zz', 'héllo', '🦀', '', '0', '10', '__proto__', 'prototype', 'then', 'valueOf'];

function leaf(rng: Rng): unknown {
  switch (rng.int(12)) {
    case 0:
    case 1:
      return rng.pick(STRINGS);
    case 2:
    case 3:
      return rng.pick(NUMBERS);
    case 4:
      return rng.range(-1000, 1000);
    case 5:
      return rng.pick(BIGINTS);
    case 6:
      return rng.chance(0.5);
    case 7:
      return rng.chance(0.5) ? null : undefined;
    case 8:
      return new Date(rng.pick([0, 1, -1, 951782400000, 8.64e15, -8.64e15, 1709210096789]));
    case 9:
      return rng.bytes(rng.int(20));
    case 10: {
      const T = rng.pick([Float64Array, Int16Array, Uint32Array, Float32Array, Int8Array, Uint8ClampedArray] as const);
      return new T(rng.bytes(rng.int(4) * 8).buffer as ArrayBuffer);
    }
    default:
      return new BigInt64Array([rng.pick(BIGINTS.slice(0, 5))]);
  }
}

function defineKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A plain value: nested arrays, objects (also without a prototype), Maps, Sets and leaves. */
export function plainValue(rng: Rng, depth: number): unknown {
  if (depth <= 0 || rng.chance(0.3)) return leaf(rng);
  const n = rng.int(5);
  switch (rng.int(5)) {
    case 0:
      return Array.from({ length: n }, () => plainValue(rng, depth - 1));
    case 1: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) defineKey(o, rng.pick(KEYS), plainValue(rng, depth - 1));
      return o;
    }
    case 2: {
      const o = Object.create(null) as Record<string, unknown>;
      for (let i = 0; i < n; i++) o[rng.pick(KEYS)] = plainValue(rng, depth - 1);
      return o;
    }
    case 3:
      return new Map(Array.from({ length: n }, () => [leaf(rng), plainValue(rng, depth - 1)] as [unknown, unknown]));
    default:
      return new Set(Array.from({ length: n }, () => leaf(rng)));
  }
}

function kitchen(rng: Rng): Kitchen {
  return Object.assign(new Kitchen(), {
    s: rng.pick(STRINGS),
    n: rng.pick(NUMBERS),
    b: rng.chance(0.5),
    big: rng.pick(BIGINTS),
    nil: null,
    undef: undefined,
    when: new Date(1709210096789),
    bytes: rng.bytes(rng.int(40)),
    map: new Map<unknown, unknown>([
      ['b', 1],
      [2, 'two'],
      [true, [NaN]],
      [null, new Map([['x', -0]])],
    ]),
    set: new Set<unknown>([3, 'x', Infinity, -Infinity, 12n]),
    list: [plainValue(rng, 3), plainValue(rng, 3), 'héllo ✓ 𝄞'],
    obj: { z: 1, a: plainValue(rng, 2), f64: new Float64Array([1.5, NaN]), i16: new Int16Array([-3, 4]) },
    circles: [Circle.of(1), Circle.of(rng.pick(NUMBERS))],
    anyShape: rng.chance(0.5) ? Square.of(9) : Circle.of(-0),
  });
}

function depGraph(rng: Rng, tag: string): Dep {
  const base = Dep.of(`${tag}-base`, '0.1.0');
  const mid = Dep.of(`${tag}-mid`, '2.0.0', [base]);
  return Dep.of(`${tag}-top`, rng.pick(STRINGS), [mid, base, Dep.of(`${tag}-leaf`, '9', [base])]);
}

function packageGraph(rng: Rng, s: PagableStorage, tag: string): Package {
  const dep = depGraph(rng, tag);
  const p = new Package();
  p.name = `${tag} ${rng.pick(STRINGS)}`;
  p.meta = new Map([
    ['license', 'MIT'],
    ['owner', rng.pick(STRINGS)],
  ]);
  p.modules = [Module.of('src/a.ts', 10, [dep, dep.deps[0]!], Circle.of(1)), Module.of('src/b.ts', 70000, [], Square.of(2))];
  p.entry = PagableArc.new(Module.of('src/index.ts', 5, [dep]), s);
  p.main = dep;
  return p;
}

function everything(rng: Rng, s: PagableStorage): Everything {
  const docs = [PagableArc.new(Doc.of('one', 5), s), PagableArc.new(Doc.of('two', 3), s)];
  return Object.assign(new Everything(), {
    shape: Square.of(3),
    dep: depGraph(rng, 'ev'),
    lazy: PagableArc.new(Dep.of('lazy-dep'), s),
    dyn: Circle.of(4),
    anything: rng.chance(0.5) ? Square.of(1) : Circle.of(2),
    plain: plainValue(rng, 4),
    shapes: [Circle.of(1), Square.of(1), Circle.of(1)],
    docs,
    grid: [[Circle.of(1)], [], [Circle.of(2), Circle.of(3)]],
    sharedPlain: { m: new Map([[1, [2, 3]]]), s: 'shared plain' },
    lazyPlain: PagableArc.new(['lazy', 'plain', 1n], s),
  });
}

interface GraphSpec {
  label: string;
  cls: Class;
  /** The class of every child blob, when the graph has only one kind. */
  childCls?: Class;
  make(rng: Rng, s: PagableStorage): object;
}

const GRAPHS: readonly GraphSpec[] = [
  { label: 'Circle', cls: Circle, make: (rng) => Circle.of(rng.pick(NUMBERS)) },
  { label: 'Square', cls: Square, make: (rng) => Square.of(rng.range(0, 1e6)) },
  { label: 'Dep diamond', cls: Dep, childCls: Dep, make: (rng) => depGraph(rng, `d${rng.int(1000)}`) },
  {
    label: 'Module',
    cls: Module,
    childCls: Dep,
    make: (rng) => Module.of(rng.pick(STRINGS), rng.range(0, 300), [depGraph(rng, 'm')], rng.chance(0.7) ? Circle.of(2) : undefined),
  },
  { label: 'Package', cls: Package, make: (rng, s) => packageGraph(rng, s, `p${rng.int(1000)}`) },
  { label: 'Kitchen', cls: Kitchen, make: (rng) => kitchen(rng) },
  { label: 'Everything', cls: Everything, make: (rng, s) => everything(rng, s) },
  {
    label: 'UNodeList',
    cls: UNodeList,
    childCls: UNodeData,
    make: (rng, s) => UNodeList.of(Array.from({ length: rng.range(1, 4) }, (_, i) => PagableArc.new(UNodeData.of(i * 7), s))),
  },
  {
    label: 'CfgNodeData',
    cls: CfgNodeData,
    make: (rng, s) => {
      const leafNode = CfgNodeData.of(PagableArc.new(UNodeData.of(1), s), []);
      return CfgNodeData.of(PagableArc.new(UNodeData.of(rng.int(100)), s), [PagableArc.new(leafNode, s), PagableArc.new(leafNode, s)]);
    },
  },
  {
    label: 'SharedHolder',
    cls: SharedHolder,
    childCls: Blob,
    make: (rng) => SharedHolder.of(rng.int(1000), Blob.of(rng.int(256), rng.pick([0, 10, 300]))),
  },
  { label: 'Doc', cls: Doc, make: (rng) => Doc.of(rng.pick(STRINGS), rng.int(20)) },
  {
    label: 'Catalog',
    cls: Catalog,
    childCls: Item,
    make: (rng, s) =>
      Catalog.of(
        `cat ${rng.int(99)}`,
        Array.from({ length: rng.range(1, 5) }, (_, i) => PagableArc.new(Item.of(i), s)),
      ),
  },
  {
    label: 'Link chain',
    cls: Link,
    childCls: Link,
    make: (rng) => {
      let l: Link | undefined;
      for (let i = rng.range(2, 6); i > 0; i--) l = Object.assign(new Link(), { n: i, next: l });
      return l!;
    },
  },
  {
    label: 'LazyLink chain',
    cls: LazyLink,
    childCls: LazyLink,
    make: (rng, s) => {
      let l: LazyLink | undefined;
      for (let i = rng.range(2, 5); i > 0; i--) {
        l = Object.assign(new LazyLink(), { n: i, next: l === undefined ? undefined : PagableArc.new(l, s) });
      }
      return l!;
    },
  },
  {
    label: 'class-transformer Owner',
    cls: CtOwner,
    make: (rng) =>
      Object.assign(new CtOwner(), {
        id: rng.int(100),
        since: new Date(1577934245000),
        address: Object.assign(new CtAddress(), { street: rng.pick(STRINGS), city: 'Springfield' }),
        pets: [Object.assign(new Dog(), { name: 'Rex' }), Object.assign(new Cat(), { name: rng.pick(STRINGS), lives: rng.int(9) })],
        tags: ['a', rng.pick(STRINGS)],
      }),
  },
  { label: 'plain object', cls: Object, childCls: Object, make: (rng) => ({ root: plainValue(rng, 5), more: plainValue(rng, 3) }) },
  { label: 'plain array', cls: Object, childCls: Object, make: (rng) => [plainValue(rng, 4), plainValue(rng, 4)] },
  {
    label: 'plain Map',
    cls: Object,
    make: (rng) =>
      new Map<unknown, unknown>([
        ['c', Circle.of(1)],
        [1n, plainValue(rng, 3)],
      ]),
  },
  { label: 'arc of plain data', cls: Object, make: (rng, s) => PagableArc.new({ arc: plainValue(rng, 4) }, s) },
  { label: 'arc of tagged instances', cls: Object, make: (rng, s) => PagableArc.new([Circle.of(rng.int(9)), new Set([Square.of(1)])], s) },
];

/** A sample value of each target class, for the box templates. */
function sampleOf(target: Class, rng: Rng, s: PagableStorage): unknown {
  if (target === Object) return { sample: 1 };
  if (target === Shape) return Circle.of(1);
  const spec = GRAPHS.find((g) => g.cls === target);
  if (spec !== undefined) return spec.make(rng, s);
  if (target === UNodeData) return UNodeData.of(1);
  if (target === Item) return Item.of(1);
  if (target === Blob) return Blob.of(1, 3);
  if (target === Dog) return Object.assign(new Dog(), { name: 'Rex' });
  throw new Error(`no sample for ${target.name}`);
}

/** Every registered model class a decoded value may hold an instance of. */
export const MODEL_CLASSES: readonly Class[] = [
  Circle,
  Square,
  Dep,
  Module,
  Package,
  Kitchen,
  Link,
  LazyLink,
  Everything,
  UNodeData,
  UNodeList,
  CfgNodeData,
  Blob,
  SharedHolder,
  Doc,
  Item,
  Catalog,
  CtOwner,
  CtAddress,
  Dog,
  Cat,
];

/** Every class a hostile blob is loaded as. */
export const TARGETS: readonly Class[] = [
  Object,
  Shape,
  Circle,
  Square,
  Dep,
  Module,
  Package,
  Kitchen,
  Everything,
  UNodeData,
  UNodeList,
  CfgNodeData,
  Blob,
  SharedHolder,
  Doc,
  Item,
  Catalog,
  Link,
  LazyLink,
  CtOwner,
  Dog,
];

/** Saves `graphs` seeded graphs per kind into `s` and collects every blob reachable from them. */
export async function buildCorpus(s: PagableStorage, rng: Rng, graphs = 3): Promise<Corpus> {
  const entries: CorpusEntry[] = [];
  const byKey = new Map<DataKey, CorpusEntry>();
  const rootKeys: DataKey[] = [];
  for (const spec of GRAPHS) {
    for (let g = 0; g < graphs; g++) {
      const root = await s.save(spec.make(rng, s));
      rootKeys.push(root);
      // Breadth first, iteratively, from the root over child keys.
      const todo: Array<[DataKey, DataKey | undefined]> = [[root, undefined]];
      for (let i = 0; i < todo.length; i++) {
        const [key, parent] = todo[i]!;
        let e = byKey.get(key);
        if (e !== undefined) {
          if (parent !== undefined && !e.parents.includes(parent)) e.parents.push(parent);
          continue;
        }
        e = { key, blob: await s.fetchData(key), cls: parent === undefined ? spec.cls : spec.childCls, label: spec.label, parents: [] };
        if (parent !== undefined) e.parents.push(parent);
        byKey.set(key, e);
        entries.push(e);
        for (const c of e.blob.arcs) todo.push([c, key]);
      }
    }
  }
  const tags = ['test.Circle', 'test.Square', 'test.Module', 'test.Package', 'test.Kitchen', 'arc.Doc', 'fuzz.Everything', 'nobody.Here'];
  const boxes = new Map<Class, BoxTemplate>();
  for (const target of TARGETS) {
    const Box = lazyBoxOf(target);
    const item = PagableArc.new(sampleOf(target, rng, s), s);
    const box = Object.assign(Object.create(Box.prototype) as LazyBox, { item });
    const blob = await s.fetchData(await s.save(box));
    const slot = blob.arcs.indexOf(item.dataKey!);
    if (slot < 0) throw new Error(`the ${target.name} box does not list its item's key`);
    boxes.set(target, { box: Box, blob, slot });
  }
  return {
    entries,
    byKey,
    rootKeys,
    targets: TARGETS.slice(),
    boxes,
    pool: { blobs: entries.map((e) => e.blob), keys: entries.map((e) => e.key), rootKeys, tags },
  };
}
