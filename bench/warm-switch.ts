/*
 * The bench's switch for the V8 keep-alive measure (src/paging/v8-workarounds.ts: the last finished
 * page-in and page-out kept alive emptied so that their hidden classes
 * survive full GCs). A contender wrapped by `withoutWarm` drops them before each sample's full
 * GC, so it runs as the library would without them; nothing in the library changes.
 */
import { WARM } from '../src/paging/v8-workarounds.js';
import type { Contender } from './measure.js';

/** Forgets the kept runs: the next full GC collects them (and, with them, their shapes). */
export function dropWarmRuns(): void {
  delete WARM.pageIn;
  delete WARM.pageOut;
}

/** `c`, with the kept runs dropped before each of its samples (before the sample's full GC). */
export function withoutWarm<P, R>(c: Contender<P, R>): Contender<P, R> {
  return {
    ...c,
    prepare: async () => {
      dropWarmRuns();
      return (c.prepare ? await c.prepare() : undefined) as P;
    },
  };
}
