import { type BlobStore, type DataKey, Field, Lazy, Pagable, type PagableArc, Shared } from '../../src/index.js';

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
