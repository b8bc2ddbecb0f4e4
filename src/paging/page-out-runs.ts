import { isPromise } from '../blobstore/await.js';
import type { Await } from '../blobstore/interface.js';
import type { PageOutReport } from './interface.js';

/**
 * The asynchronous page-outs of one storage still writing. `await pageOutPending()` promises that
 * everything scheduled before the call is paged out when it returns; arcs an automatic page-out
 * has already taken off the queue are not the call's to write, so it waits for those runs too.
 */
export class PageOutRuns {
  readonly #running = new Set<Promise<PageOutReport>>();

  /** Remembers `run` until it settles; returns it. */
  track(run: Await<PageOutReport>): Await<PageOutReport> {
    if (!isPromise(run)) return run;
    this.#running.add(run);
    const forget = (): void => void this.#running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /**
   * Starts a page-out with `start`. When it must wait (it answers with a promise, or others were
   * writing as it began), its result also waits for every other run still writing when it ends:
   * one that began earlier, or one that began meanwhile and took part of its queue (an automatic
   * page-out takes the queue's front, arcs scheduled before this call included). Then, if
   * `waiting()` says arcs are queued again (a failed run puts its batch back), it writes those
   * with one more `start()`, in one report.
   */
  pageOut(start: () => Await<PageOutReport>, waiting: () => boolean): Await<PageOutReport> {
    const othersRunning = this.#running.size > 0;
    const mine = start();
    // Synchronous and alone: no other run can hold any of its arcs.
    if (!othersRunning && !isPromise(mine)) return mine;
    return Promise.resolve(mine).then(async (first) => {
      // `mine` forgot itself before this callback (its `forget` was chained first): these are the others.
      const others = [...this.#running];
      if (others.length > 0) await Promise.allSettled(others);
      // An earlier run may have failed (before or after `mine` ended) and queued its batch again.
      if ((!othersRunning && others.length === 0) || !waiting()) return first;
      const again = await start();
      return { pagedOut: first.pagedOut + again.pagedOut, failed: [...first.failed, ...again.failed] };
    });
  }
}
