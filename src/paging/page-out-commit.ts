import { andThen } from '../blobstore/await.js';
import type { Await } from '../blobstore/interface.js';
import { PagableError } from '../error.js';
import type { DataKey } from '../keys/data.js';
import type { BlobIo } from './blob-io.js';
import { copyForeign } from './copy.js';
import type { LiveKeys, LiveOp } from './live-keys.js';
import type { PageOutRun } from './page-out.js';

/**
 * Writes what a run produced, copies blobs of other storages, then gives arcs their keys: a key
 * is set only once its blob is stored. On a store other handles share (`sweeps`), blobs the
 * graph refers to without writing them (arcs stored earlier, blobs found already copied) are
 * touched before the write and checked again after it: a touch just before another handle's
 * sweep opened is not recorded by it, so only the second check proves the graph whole. With
 * `sync`, blobs are written with `putManySync` where the store offers it (the caller's stack).
 */
export function commitPageOut(io: BlobIo, live: LiveKeys, run: PageOutRun, op: LiveOp, sync = false): Await<number> {
  live.record(op, run.reused);
  live.recordBatch(op, run.batch);
  const shared = io.store.sweeps !== undefined;
  const found: DataKey[] = [];
  const copy = (): Await<void> => (run.copies.length === 0 ? undefined : copyForeign(io, live, op, run.copies, found));
  const write = (): Await<number> =>
    andThen(andThen(io.putBatch(run.batch, sync), copy), () => {
      if (!shared) return applyKeys(run);
      const refs = [...run.reused, ...found];
      return andThen(io.has(refs, true), (present) => {
        checkStillThere(
          run,
          refs,
          present,
          io.store.name,
          "was deleted by another handle's gc while this graph was being stored: the graph is incomplete, nothing was acknowledged; store it again",
        );
        return applyKeys(run);
      });
    });
  if (!shared || run.reused.length === 0) return write();
  return andThen(io.has(run.reused, true), (present) => {
    checkStillThere(run, run.reused, present, io.store.name, "is no longer there (deleted by another handle's gc?); nothing was written");
    return write();
  });
}

/** Gives the arcs of `run` their keys (once their blobs are stored); the number paged out. */
function applyKeys(run: PageOutRun): number {
  run.recordFrozen();
  let pagedOut = 0;
  for (let i = 0; i < run.keyedArcs.length; i++) {
    const inner = run.keyedArcs[i]!;
    inner.bindRoot(run.keyedRoots[i]!);
    // Once PagedOut, the arc is what a @Lazy field decoded later with its key and class stands
    // for: the same arc, met through its kind. A still-pinned one stays apart until then, so a
    // page-in never hands out a value it did not fetch (see ArcInner).
    if (inner.id === undefined) inner.setKey(run.keyedId(i));
    if (!inner.resident) pagedOut++;
  }
  return pagedOut;
}

/** NOT_FOUND naming the first of `keys` not `present` (the storage's frozen keys may name deleted blobs too: forgotten). */
function checkStillThere(run: PageOutRun, keys: readonly DataKey[], present: readonly boolean[], where: string, what: string): void {
  const i = present.indexOf(false);
  if (i >= 0) run.forgetFrozen();
  if (i >= 0) throw new PagableError('NOT_FOUND', `blob ${keys[i]}, which this graph refers to, ${what} (${where})`);
}
