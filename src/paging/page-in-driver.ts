import type { DataKey } from '../keys/data.js';
import { PagableError } from '../error.js';
import type { RootSchema } from '../metadata/schema.js';
import type { BlobIo } from './blob-io.js';
import { endJob, mustEndJob } from './kept-alive.js';
import type { PageInRun } from './page-in.js';

/**
 * Drives a page-in through `io`. Stores that read synchronously (memory, LMDB) are driven without
 * a promise per blob: the page-in then runs to completion at once, so concurrent page-ins cannot
 * both fetch a blob. Others are read a level at a time, one batch per level (single flight in io).
 */
export async function drive(io: BlobIo, run: PageInRun): Promise<unknown> {
  const value = io.canFetchSync ? driveSync(io, run) : await driveAsync(io, run);
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
  pumpSync(io, run);
  return run.finish();
}

/*
 * The loop lives in a function of its own, with nothing after it. V8 (11.x, Node 20) compiles a
 * long first loop on-stack (OSR) before the code after it has ever run, caches that code, and
 * enters it again on every later call: a `run.finish()` after the loop then deoptimized every
 * later page-in (90 us each, measured: 500 small pins of a bench page-in took 2.5x as long).
 * One of the V8 measures listed in v8-workarounds.ts.
 */
function pumpSync(io: BlobIo, run: PageInRun): void {
  while (run.pending) {
    const e = run.next();
    // A value's key is read by its bytes (no string); a schema blob's by its DataKey.
    const blob = e >= 0 ? io.viewSyncAt(run.keyArena, 16 * e) : io.viewSync(run.keyOf(e));
    if (blob === undefined) throw run.notFound(e);
    run.supply(e, blob);
  }
}

/** NOT_FOUND for a blob a page-in needs, naming the class it was wanted as. */
export function notFound(key: DataKey, root: RootSchema | undefined): PagableError {
  const what = root?.k === 'class' ? ` (a ${root.cls.name})` : '';
  return new PagableError('NOT_FOUND', `blob ${key}${what} is not in this storage`);
}
