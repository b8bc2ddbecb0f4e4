/* Domain classes for the arc tests (test/arc.test.ts). Tags here are prefixed 'arc.'. */
import { Field, Lazy, Pagable, PagableArc, Shared, TypeTag } from '../../src/index.js';

/** The Rust test's `UNodeData(usize)`. */
@Pagable()
export class UNodeData {
  @Field() x!: number;
  static of(x: number): UNodeData {
    return Object.assign(new UNodeData(), { x });
  }
}

/** The Rust test's `EvalResult(PagableArc<Vec<UNode>>)`: the vector needs a class to hold arcs. */
@Pagable()
export class UNodeList {
  @Lazy(() => [UNodeData]) nodes!: Array<PagableArc<UNodeData>>;
  static of(nodes: Array<PagableArc<UNodeData>>): UNodeList {
    return Object.assign(new UNodeList(), { nodes });
  }
}

/** The Rust test's `CfgNodeData { node, deps }`. */
@Pagable()
export class CfgNodeData {
  @Lazy(() => UNodeData) node!: PagableArc<UNodeData>;
  @Lazy(() => [CfgNodeData]) deps!: Array<PagableArc<CfgNodeData>>;
  static of(node: PagableArc<UNodeData>, deps: Array<PagableArc<CfgNodeData>>): CfgNodeData {
    return Object.assign(new CfgNodeData(), { node, deps });
  }
}

/** A big value shared by reference (the Rust tests' `Arc<Vec<u8>>` / `Arc<String>`). */
@Pagable()
export class Blob {
  @Field() bytes!: Uint8Array;
  static of(fill: number, n = 1000): Blob {
    return Object.assign(new Blob(), { bytes: new Uint8Array(n).fill(fill) });
  }
}

/** A value holding a @Shared child. */
@Pagable()
export class SharedHolder {
  @Field() i!: number;
  @Shared(() => Blob) shared!: Blob;
  static of(i: number, shared: Blob): SharedHolder {
    return Object.assign(new SharedHolder(), { i, shared });
  }
}

/** A parsed document: plain nested data under a class. */
@TypeTag('arc.Doc')
@Pagable()
export class Doc {
  @Field() title!: string;
  @Field() words!: string[];
  @Field() meta!: { author: string; tags: string[] };
  static of(title: string, n = 50): Doc {
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(`${title}-w${i}`);
    return Object.assign(new Doc(), { title, words, meta: { author: 'ada', tags: ['x', title] } });
  }
}

/** A value that cannot be encoded: a function in a stored field. */
@Pagable()
export class WithCallback {
  @Field() name!: string;
  @Field() callback!: unknown;
  static of(name: string): WithCallback {
    return Object.assign(new WithCallback(), { name, callback: () => name });
  }
}

/** Not decorated: cannot be encoded. */
export class NotDecorated {
  constructor(readonly n: number) {}
}

/** Two lazy children: one encodable, one not. */
@Pagable()
export class Pair {
  @Lazy(() => Doc) good!: PagableArc<Doc>;
  @Lazy(() => WithCallback) bad!: PagableArc<WithCallback>;
}

/** One item of a large catalog (about a kilobyte of heap each). */
@Pagable()
export class Item {
  @Field() id!: number;
  @Field() title!: string;
  @Field() tags!: string[];
  @Field() scores!: number[];
  static of(id: number): Item {
    const tags: string[] = [];
    for (let i = 0; i < 8; i++) tags.push(`tag-${id}-${i}`);
    const scores: number[] = [];
    for (let i = 0; i < 16; i++) scores.push(id * 0.5 + i * 0.25);
    return Object.assign(new Item(), { id, title: `item number ${id} `.padEnd(96, '.'), tags, scores });
  }
}

/** A Package-like root with many @Lazy children. */
@Pagable()
export class Catalog {
  @Field() name!: string;
  @Lazy(() => [Item]) items!: Array<PagableArc<Item>>;
  static of(name: string, items: Array<PagableArc<Item>>): Catalog {
    return Object.assign(new Catalog(), { name, items });
  }
}
