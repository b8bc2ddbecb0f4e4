import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { RootSchema } from '../metadata/schema.js';
import type { BlobIo } from './blob-io.js';
import { endJob, jobIsLong, mustEndJob } from './kept-alive.js';
import type { PageInRun } from './page-in.js';

/**
 * Drives a page-in through `io`. Stores that read synchronously (memory, LMDB) are driven without
 * a promise per blob, pausing only to end a job that restored many objects (kept-alive.ts): a
 * page-in of a few hundred blobs runs to completion at once. Others are read a level at a time,
 * one batch per level (single flight in io). Page-ins that overlap in time share what either
 * restored through the arc cache.
 */
export async function drive(io: BlobIo, run: PageInRun): Promise<unknown> {
  let value: unknown;
  if (io.canFetchSync) {
    while (pumpSync(io, run, true)) await endJob();
    value = run.finish();
  } else {
    value = await driveAsync(io, run);
  }
  // Past a few MB restored within this job, end it, so what WeakRefs keep can go: see kept-alive.ts.
  if (mustEndJob()) await endJob();
  return value;
}

async function driveAsync(io: BlobIo, run: PageInRun): Promise<unknown> {
  while (run.pending) {
    const batch = run.takeBatch();
    const blobs = await io.fetchMany(
      batch.map((e) => run.keyOf(e)),
      (i) => run.notFound(batch[i]!),
    );
    for (let i = 0; i < batch.length; i++) run.supply(batch[i]!, blobs[i]!);
  }
  return run.finish();
}

/** The same, synchronously: IO where the store cannot read synchronously (use pin()). */
export function driveSync(io: BlobIo, run: PageInRun): unknown {
  pumpSync(io, run, false);
  return run.finish();
}

/*
 * The loop lives in a function of its own, with nothing after it but a constant return. V8
 * (11.x, Node 20) compiles a long first loop on-stack (OSR) before the code after it has ever run,
 * caches that code, and enters it again on every later call: a `run.finish()` after the loop then
 * deoptimized every later page-in (90 us each, measured: 500 small pins of a bench page-in took
 * 2.5x as long).
 * One of the V8 measures listed in v8-workarounds.ts.
 */
/** Fetches and supplies until nothing is pending (false), or with `pausable` until the job is long and the run may pause (true). */
function pumpSync(io: BlobIo, run: PageInRun, pausable: boolean): boolean {
  while (run.pending) {
    // Paused only between blobs, holding none: a store's view may not outlive the job it was read in.
    if (pausable && jobIsLong() && run.holdsNoBlob) return true;
    const e = run.next();
    // A value's key is read by its bytes (no string); a schema blob's by its DataKey.
    const blob = e >= 0 ? io.viewSyncAt(run.keyArena, 16 * e) : io.viewSync(run.keyOf(e));
    if (blob === undefined) throw run.notFound(e);
    run.supply(e, blob);
  }
  return false;
}

/** NOT_FOUND for a blob a page-in needs, naming the class it was wanted as. */
export function notFound(key: DataKey, root: RootSchema | undefined): PagableError {
  const what = root?.k === 'class' ? ` (a ${root.cls.name})` : '';
  return new PagableError('NOT_FOUND', `blob ${key}${what} is not in this storage`);
}
