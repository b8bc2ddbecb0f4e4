/*
 * A quick look at shapes `npm run bench` does not run (not the bench: no floor, no bars, one
 * process, medians of a few samples): memory save and load against msgpackr.pack/unpack of the
 * same data as plain objects, to find a shape far off the bench's figures before a user does.
 *
 *   node --expose-gc build/bench/other-shapes.js [--only=PREFIX] [--n=9] [--depth=16] [--quick]
 *
 * Shapes: 50k inline records of mixed fields in one blob; a polymorphic expression tree inline;
 * 30k @Shared items each a Map and a numeric array; a matrix (nested arrays, a Float64Array,
 * strings); 20k small @Lazy blobs in one array (not pinned by the load).
 */
import { isDeepStrictEqual } from 'node:util';
import { pack, unpack } from 'msgpackr';
import { Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../src/index.js';
import { Prng } from './prng.js';

const QUICK = process.argv.includes('--quick');

@Pagable()
class Point {
  @Field() x!: number;
  @Field() y!: number;
  @Field() label!: string | undefined;
  @Field() on!: boolean;
}

@Pagable()
class Event {
  @Field() id!: number;
  @Field() kind!: string;
  @Field() at!: number;
  @Field() score!: number;
  @Field() user!: string;
  @Field() tags!: string[];
  @Field(() => Point) where!: Point;
  @Field() extra!: Record<string, unknown> | undefined;
}

@TypeTag('probe.Log')
@Pagable()
class Log {
  @Field() name!: string;
  @Field(() => [Event]) events!: Event[];
}

abstract class Node {}
@TypeTag('probe.Num')
@Pagable()
class Num extends Node {
  @Field() v!: number;
}
@TypeTag('probe.Add')
@Pagable()
class Add extends Node {
  @Dyn(() => Node) a!: Node;
  @Dyn(() => Node) b!: Node;
}
@TypeTag('probe.Expr')
@Pagable()
class Expr {
  @Dyn(() => Node) root!: Node;
}

@Pagable()
class Cell {
  @Field() v!: number;
  @Lazy(() => Cell) next!: PagableArc<Cell> | undefined;
}
@TypeTag('probe.Row')
@Pagable()
class Row {
  @Shared(() => [Item]) items!: Item[];
}
@Pagable()
class Item {
  @Field() name!: string;
  @Field() data!: Map<string, number>;
  @Field() vals!: number[];
}
@TypeTag('probe.Matrix')
@Pagable()
class Matrix {
  @Field() rows!: number[][];
  @Field() f64!: Float64Array;
  @Field() text!: string[];
}

const rng = new Prng(5, 77);
const WORDS = ['alpha', 'beta', 'gamma', 'délta', 'ηλιος', '数据', 'zeta', 'omega', 'kappa'];
function events(n: number): Log {
  const evs: Event[] = [];
  for (let i = 0; i < n; i++)
    evs.push(
      Object.assign(new Event(), {
        id: i,
        kind: rng.pick(WORDS),
        at: 1_700_000_000_000 + i * 37,
        score: rng.int(0, 1e6) / 7,
        user: `user-${rng.int(0, 500)}`,
        tags: [rng.pick(WORDS), rng.pick(WORDS)],
        where: Object.assign(new Point(), {
          x: rng.int(0, 1000),
          y: rng.int(0, 1000) / 3,
          label: rng.chance(0.5) ? rng.pick(WORDS) : undefined,
          on: rng.chance(0.5),
        }),
        extra: rng.chance(0.2) ? { a: 1, b: 'two' } : undefined,
      }),
    );
  return Object.assign(new Log(), { name: 'log', events: evs });
}
function expr(depth: number): Expr {
  const mk = (d: number): Node =>
    d === 0 ? Object.assign(new Num(), { v: rng.int(0, 1000) }) : Object.assign(new Add(), { a: mk(d - 1), b: mk(d - 1) });
  return Object.assign(new Expr(), { root: mk(depth) });
}
function items(n: number): Row {
  const its: Item[] = [];
  for (let i = 0; i < n; i++)
    its.push(
      Object.assign(new Item(), {
        name: `item${i}`,
        data: new Map([
          ['a', i],
          ['b', i * 2],
          ['c', 3],
        ]),
        vals: [i, i + 1, i + 2, 0.5],
      }),
    );
  return Object.assign(new Row(), { items: its });
}
function matrix(n: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: n }, (_, j) => (i * j) % 1000));
  return Object.assign(new Matrix(), {
    rows,
    f64: Float64Array.from({ length: 200 * n }, (_, i) => i / 3),
    text: Array.from({ length: 40 * n }, (_, i) => `${rng.pick(WORDS)} ${i} ${rng.pick(WORDS)}`),
  });
}

function toPlainDeep(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toPlainDeep);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, toPlainDeep(x)]));
  if (ArrayBuffer.isView(v)) return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = toPlainDeep(x);
  return o;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

async function probe(
  name: string,
  root: object,
  cls: abstract new () => object,
  plain: unknown,
  checked: boolean,
  n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? (QUICK ? 1 : 9)),
): Promise<void> {
  const packed = pack(plain);
  const save: number[] = [];
  const load: number[] = [];
  const pk: number[] = [];
  const up: number[] = [];
  let store = new InMemoryPagableStorage();
  for (let i = 0; i < n + 2; i++) {
    globalThis.gc?.();
    let t = performance.now();
    pack(plain);
    pk.push(performance.now() - t);
    globalThis.gc?.();
    t = performance.now();
    unpack(packed);
    up.push(performance.now() - t);
    store = new InMemoryPagableStorage();
    globalThis.gc?.();
    t = performance.now();
    const key = await store.save(root);
    save.push(performance.now() - t);
    globalThis.gc?.();
    t = performance.now();
    const back = await store.load(cls as new () => object, key);
    load.push(performance.now() - t);
    // The round trip, where the plain twin is the decorated graph's (no lazy arcs). Not by packed
    // bytes: msgpackr pads a typed array to its pool's alignment, so equal values can pack apart.
    if (i === 0 && checked && !isDeepStrictEqual(toPlainDeep(back), plain)) throw new Error(`${name}: the loaded graph differs`);
  }
  const st = store.stats();
  const [s, l, p, u] = [median(save), median(load), median(pk), median(up)];
  console.log(
    `${name.padEnd(14)} blobs ${String(st.blobs).padStart(6)} ${String(packed.length).padStart(9)} B  save ${s.toFixed(1)} ms (pack ${p.toFixed(1)}: ${(p / s).toFixed(2)}x)  load ${l.toFixed(1)} ms (unpack ${u.toFixed(1)}: ${(u / l).toFixed(2)}x)`,
  );
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const depth = Number(process.argv.find((a) => a.startsWith('--depth='))?.slice(8) ?? (QUICK ? 8 : 16));
/** Each shape's size: a twentieth with --quick (the smoke test). */
const size = (n: number): number => (QUICK ? Math.ceil(n / 20) : n);

@TypeTag('probe.Wide')
@Pagable()
class Wide {
  @Lazy(() => [Cell]) cells!: Array<PagableArc<Cell>>;
}

/** Each shape: its name, and a builder of (root, root class, plain twin); built only when probed. */
const shapes: Array<[string, () => [object, abstract new () => object, unknown]]> = [
  ['events inline', () => withPlain(events(size(50_000)), Log)],
  [`dyn tree ${2 ** (depth + 1) - 1}`, () => withPlain(expr(depth), Expr)],
  ['shared items', () => withPlain(items(size(30_000)), Row)],
  ['matrix', () => withPlain(matrix(size(500)), Matrix)],
  [
    'wide lazy',
    () => {
      const home = new InMemoryPagableStorage();
      const cells = Array.from({ length: size(20_000) }, (_, i) =>
        PagableArc.new(Object.assign(new Cell(), { v: i, next: undefined }), home),
      );
      return [Object.assign(new Wide(), { cells }), Wide, { cells: cells.map((_, i) => ({ v: i })) }];
    },
  ],
  [
    'lazy chain',
    () => {
      const home = new InMemoryPagableStorage();
      let head: Cell | undefined;
      let plain: unknown;
      for (let i = 0; i < size(1_000); i++) {
        head = Object.assign(new Cell(), { v: i, next: head === undefined ? undefined : PagableArc.new(head, home) });
        plain = { v: i, next: plain };
      }
      return [head!, Cell, plain];
    },
  ],
];

function withPlain(root: object, cls: abstract new () => object): [object, abstract new () => object, unknown] {
  return [root, cls, toPlainDeep(root)];
}

for (const [name, make] of shapes) {
  if (only !== undefined && !name.startsWith(only)) continue;
  const [root, cls, plain] = make();
  await probe(name, root, cls, plain, !name.includes('lazy'));
}
