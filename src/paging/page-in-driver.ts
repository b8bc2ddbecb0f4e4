import { PagableError } from '../error.js';
import type { DataKey } from '../keys/data.js';
import type { BlobIo } from './blob-io.js';
import type { PageInRun, Wanted } from './page-in.js';

/** NOT_FOUND for a blob a page-in needs, naming the class it was wanted as. */
export function notFound(key: DataKey, w: Wanted | undefined): PagableError {
  const what = w?.root.k === 'class' ? ` (a ${w.root.cls.name})` : '';
  return new PagableError('NOT_FOUND', `blob ${key}${what} is not in this storage`);
}

/**
 * Drives a page-in through `io`. Stores that read synchronously (memory, LMDB) are driven without
 * a promise per blob: the page-in then runs to completion at once, so concurrent page-ins cannot
 * both fetch a blob. Others are read a level at a time, one batch per level (single flight in io).
 */
export async function drive(io: BlobIo, run: PageInRun): Promise<unknown> {
  if (io.canFetchSync) return driveSync(io, run);
  while (run.wanted.length > 0) {
    const batch = run.wanted;
    run.wanted = [];
    const blobs = await io.fetchMany(batch.map((w) => w.key), (i) => notFound(batch[i]!.key, batch[i]));
    for (let i = 0; i < batch.length; i++) run.supply(batch[i]!, blobs[i]!);
  }
  return run.finish();
}

/** The same, synchronously: IO where the store cannot read synchronously (use pin()). */
export function driveSync(io: BlobIo, run: PageInRun): unknown {
  while (run.wanted.length > 0) {
    const batch = run.wanted;
    run.wanted = [];
    for (const w of batch) run.supply(w, io.fetchSync(w.key, () => notFound(w.key, w)));
  }
  return run.finish();
}
