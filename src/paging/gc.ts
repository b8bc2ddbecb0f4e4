import { andThen, isPromise } from '../blobstore/await.js';
import type { Await, SweepGuard } from '../blobstore/interface.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { BlobIo } from './blob-io.js';
import type { GcReport } from './interface.js';
import type { LiveKeys } from './live-keys.js';

/** Keys per read or delete batch. */
const BATCH = 1024;

/** What one gc needs of its storage. */
export interface GcContext {
  readonly io: BlobIo;
  readonly live: LiveKeys;
  readonly onProgress: ((phase: 'mark' | 'sweep', done: number) => void) | undefined;
}

/**
 * Mark and sweep, both iterative. Marks from the named roots and the keys of this handle's
 * operations in flight; lists the unmarked keys; then, with writers of this
 * handle kept out, marks again from whatever was written, reused or rooted meanwhile and deletes
 * the rest. A store shared with other handles (`sweeps`) also protects their writes: see
 * SweepGuard in src/blobstore/interface.ts.
 */
export async function collectGarbage(ctx: GcContext): Promise<GcReport> {
  const { io, live } = ctx;
  const store = io.store;
  const guard = store.sweeps;
  const marked = new Set<DataKey>();
  const progress = ctx.onProgress;

  /** Marks `tops` and everything below them, reading blobs in batches (synchronously where the store is). */
  const mark = (tops: Iterable<DataKey>): Await<void> => {
    const stack: DataKey[] = [];
    const push = (k: DataKey): void => {
      if (marked.has(k)) return;
      marked.add(k);
      stack.push(k);
    };
    for (const k of tops) push(k);
    const step = (): Await<void> => {
      while (stack.length > 0) {
        const batch = stack.splice(Math.max(0, stack.length - BATCH));
        if (progress) progress('mark', marked.size);
        const got = io.call('gc: reading blobs', () => store.getMany(batch));
        const next = (blobs: ReadonlyArray<PagableData | undefined>): void => {
          for (const b of blobs) if (b !== undefined) for (const c of b.arcs) push(c);
        };
        if (isPromise(got))
          return got.then((b) => {
            next(b);
            return step();
          });
        next(got);
      }
    };
    return step();
  };

  let seq = 0;
  let opened = false;
  live.startGc();
  try {
    if (guard !== undefined) {
      seq = await io.call('gc: opening a sweep', () => guard.begin());
      opened = true;
    }
    const roots = await io.call('gc: listing roots', () => store.listRoots());
    await mark([...roots.map((r) => r.key), ...live.snapshot()]);
    if (guard !== undefined) seq = await markTouched(ctx, guard, seq, mark);

    const candidates: DataKey[] = [];
    let seen = 0;
    try {
      for await (const k of store.keys()) {
        if (!marked.has(k)) candidates.push(k);
        seen++;
        if (progress && seen % 1000 === 0) progress('sweep', seen);
      }
    } catch (e) {
      throw io.fail(e, 'gc: listing blobs');
    }
    const order = guard === undefined ? candidates : await parentsFirst(ctx, candidates);

    const { freed, bytes } = await live.exclusive(() => {
      // Whatever this handle wrote, reused or rooted meanwhile is live, and so is everything below it.
      const rootsNow = io.call('gc: listing roots', () => store.listRoots());
      return andThen(rootsNow, (rs) =>
        andThen(mark([...rs.map((r) => r.key), ...live.snapshot()]), () => {
          const doomed = order.filter((k) => !marked.has(k));
          if (guard === undefined) {
            if (doomed.length === 0) return { freed: doomed, bytes: 0 };
            return andThen(
              io.call('gc: deleting blobs', () => store.deleteMany(doomed)),
              (b) => ({ freed: doomed, bytes: b }),
            );
          }
          return deleteGuarded(ctx, guard, seq, doomed, marked, mark);
        }),
      );
    });
    await io.forget(freed);
    return { freedBlobs: freed.length, freedBytes: bytes, keptBlobs: seen - freed.length };
  } finally {
    live.stopGc();
    // Only a sweep this gc opened is closed. One that cannot be closed expires after its lease
    // (SweepGuard), so it does not undo a gc that did its work, nor hide the error of one that failed.
    if (opened)
      try {
        await io.call('gc: closing the sweep', () => guard!.end());
      } catch {
        // The lease ends it.
      }
  }
}

/** Marks from what other handles recorded since `seq`; the sequence now. */
async function markTouched(ctx: GcContext, guard: SweepGuard, seq: number, mark: (k: Iterable<DataKey>) => Await<void>): Promise<number> {
  const t = await ctx.io.call('gc: reading the sweep log', () => guard.touchedSince(seq));
  await mark(t.keys);
  return t.seq;
}

/**
 * The candidates ordered parents before children (among themselves), so that a key another
 * handle can still touch always has its descendants: a child is deleted no earlier than its parent.
 */
async function parentsFirst(ctx: GcContext, candidates: DataKey[]): Promise<DataKey[]> {
  const inSet = new Set(candidates);
  const children = new Map<DataKey, DataKey[]>();
  const parents = new Map<DataKey, number>();
  for (let i = 0; i < candidates.length; i += BATCH) {
    const batch = candidates.slice(i, i + BATCH);
    const blobs = await ctx.io.call('gc: reading blobs', () => ctx.io.store.getMany(batch));
    for (let j = 0; j < batch.length; j++) {
      const kids = (blobs[j]?.arcs ?? []).filter((c) => inSet.has(c));
      children.set(batch[j]!, kids);
      for (const c of kids) parents.set(c, (parents.get(c) ?? 0) + 1);
    }
  }
  // Kahn's algorithm; keys are content hashes, so the subgraph is acyclic.
  const order = candidates.filter((k) => !parents.has(k));
  for (let i = 0; i < order.length; i++) {
    for (const c of children.get(order[i]!)!) {
      const n = parents.get(c)! - 1;
      parents.set(c, n);
      if (n === 0) order.push(c);
    }
  }
  return order;
}

/** Deletes `doomed` in batches, each all-or-nothing against other handles' writes. */
async function deleteGuarded(
  ctx: GcContext,
  guard: SweepGuard,
  seq: number,
  doomed: DataKey[],
  marked: Set<DataKey>,
  mark: (k: Iterable<DataKey>) => Await<void>,
): Promise<{ freed: DataKey[]; bytes: number }> {
  const freed: DataKey[] = [];
  let bytes = 0;
  let i = 0;
  while (i < doomed.length) {
    const batch = doomed.slice(i, i + BATCH).filter((k) => !marked.has(k));
    if (batch.length === 0) {
      i += BATCH;
      continue;
    }
    const r = await ctx.io.call('gc: deleting blobs', () => guard.deleteIfUntouched(batch, seq));
    if (r === undefined) {
      // Another handle wrote meanwhile: keep what it touched and everything below, then retry.
      seq = await markTouched(ctx, guard, seq, mark);
      continue;
    }
    bytes += r;
    freed.push(...batch);
    i += BATCH;
  }
  return { freed, bytes };
}
