/*
 * Page-out runs are reused: the last one, released, is kept in v8-workarounds.ts (its hidden classes survive
 * full GCs) and taken back by the next page-out, whose lists, key table and writer slab it reuses.
 */
import type { ArcHost } from '../arc/arc-host.js';
import { type EarlierBatches, PageOutRun } from './page-out.js';
import { WARM } from './v8-workarounds.js';

/**
 * A run for a page-out of `host`: the one kept by the last page-out (see v8-workarounds.ts), reset, or a new
 * one (page-outs of one process rarely overlap: one is kept).
 */
export function takeRun(host: ArcHost, earlier?: EarlierBatches): PageOutRun {
  const run = WARM.pageOut;
  if (!(run instanceof PageOutRun)) return new PageOutRun(host, earlier);
  WARM.pageOut = undefined;
  run.reset(host, earlier);
  return run;
}

/** Releases a run whose writes are committed (or abandoned), and keeps it for the next page-out (see v8-workarounds.ts). */
export function retire(run: PageOutRun): void {
  run.release();
  WARM.pageOut = run;
}
