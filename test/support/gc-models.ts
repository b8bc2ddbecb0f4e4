import { type BlobStore, computeKey, type DataKey, Field, Lazy, Pagable, type PagableArc, Shared } from '../../src/index.js';

/* Small graphs for gc tests: a leaf under a branch (two blobs), trees of branches, a lazy holder. */

@Pagable()
export class Leaf {
  @Field() n!: number;
}

@Pagable()
export class Branch {
  @Field() n!: number;
  @Shared(() => Leaf) leaf!: Leaf;
}

@Pagable()
export class Tree {
  @Field() n!: number;
  @Shared(() => [Branch]) branches!: Branch[];
}

/** Many trees in one graph: four levels. */
@Pagable()
export class Forest {
  @Shared(() => [Tree]) trees!: Tree[];
}

@Pagable()
export class Holder {
  @Field() tag!: string;
  @Lazy(() => Branch) branch!: PagableArc<Branch>;
}

/** A branch and its leaf, both numbered `n`. */
export const branch = (n: number): Branch => Object.assign(new Branch(), { n, leaf: Object.assign(new Leaf(), { n }) });

/** A tree of branches `n` and `n + 1000`: three levels, five blobs. */
export const tree = (n: number): Tree => Object.assign(new Tree(), { n, branches: [branch(n), branch(n + 1000)] });

/** Every key the store holds. */
export async function keysOf(store: BlobStore): Promise<DataKey[]> {
  const out: DataKey[] = [];
  for await (const k of store.keys()) out.push(k);
  return out;
}

/** Writes `n` small childless blobs straight into `store` (one batch: faster than n saves); their keys. */
export async function fillers(store: BlobStore, n: number, salt = 0): Promise<DataKey[]> {
  const entries = Array.from({ length: n }, (_, i) => {
    const data = { data: Uint8Array.of(i & 0xff, i >> 8, salt), arcs: [] };
    return { key: computeKey(data), data };
  });
  await store.putMany(entries);
  return entries.map((e) => e.key);
}
